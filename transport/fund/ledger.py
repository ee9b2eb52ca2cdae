"""The ledger's reads and its one write: balances are sums of entries, nothing else.

A bucket is the money kept for one facility's families (a donor's earmark) or, with
`earmark=None`, for any family. Every bucket stays at or above zero.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from scheduler.errors import Conflict, InvalidInput, NotFound
from transport.fund.models import EntryKind, Fund, LedgerEntry

DEFAULT_FUND = "travel"


def fund_for_program(program_id: int | None) -> Fund:
    """The program's travel fund (None: the unnamed program's), created on first use in the
    configured currency. The unique index makes two first uses at once share one row."""
    found = Fund.objects.filter(program_id=program_id).first()  # None: IS NULL
    if found is not None:
        return found
    slug = f"program-{program_id}" if program_id else DEFAULT_FUND
    try:
        with transaction.atomic():
            return Fund.objects.create(
                slug=slug, program_id=program_id, name=_("Travel fund"),
                currency=settings.FUND_CURRENCY.lower())
    except IntegrityError:
        return Fund.objects.get(slug=slug)


def fund_default() -> Fund:
    """The unnamed program's travel fund (the only one before programs existed)."""
    return fund_for_program(None)


def fund_of_coordinator(user: AbstractBaseUser) -> Fund:
    """The acting coordinator's program's fund; NotPermitted for anyone else."""
    from transport.access import coordinator_program

    return fund_for_program(coordinator_program(user))


def fund_balance(fund: Fund) -> int:
    """All of the fund's money, in cents."""
    return LedgerEntry.objects.filter(fund=fund).aggregate(s=Sum("amount_cents"))["s"] or 0


def bucket_balance(fund: Fund, earmark_id: int | None) -> int:
    """Money kept for one facility's families (or, for None, for any family), in cents."""
    entries = LedgerEntry.objects.filter(fund=fund, earmark_id=earmark_id)
    return entries.aggregate(s=Sum("amount_cents"))["s"] or 0


def balances_by_earmark(fund: Fund) -> dict[int | None, int]:
    rows = LedgerEntry.objects.filter(fund=fund).values("earmark_id").annotate(
        total=Sum("amount_cents")
    )
    return {row["earmark_id"]: row["total"] for row in rows}


def entry_append(
    *,
    fund: Fund,
    kind: str,
    amount_cents: int,
    source_key: str,
    earmark_id: int | None = None,
    **links: object,
) -> tuple[LedgerEntry, bool]:
    """Write one entry unless one with the same `source_key` exists (then return that).

    The caller holds the fund's row lock, so the existence check and the insert cannot
    interleave with another writer of the same key; the unique index is the last guard.
    """
    existing = LedgerEntry.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    entry = LedgerEntry.objects.create(
        fund=fund, kind=kind, amount_cents=amount_cents, source_key=source_key,
        earmark_id=earmark_id, **links,
    )
    return entry, True


def outflow_forced(
    *, fund: Fund, kind: str, amount_cents: int, source_key: str, earmark_id: int | None,
    **links: object,
) -> list[LedgerEntry]:
    """Record money Stripe takes back (refund, dispute), keeping every bucket >= 0.

    Stripe does not ask: if the gift was already spent on rides, the organisation's
    reserves cover the shortfall, written as its own entry so the ledger says so.
    """
    if LedgerEntry.objects.filter(source_key=source_key).exists():
        return []
    written = []
    shortfall = amount_cents - max(bucket_balance(fund, earmark_id), 0)
    if shortfall > 0:
        cover, _new = entry_append(
            fund=fund, kind=EntryKind.COVER, amount_cents=shortfall,
            source_key=f"cover:{source_key}", earmark_id=earmark_id, **links,
        )
        written.append(cover)
    entry, _new = entry_append(
        fund=fund, kind=kind, amount_cents=-amount_cents, source_key=source_key,
        earmark_id=earmark_id, **links,
    )
    written.append(entry)
    return written


def fund_lock(fund_id: int) -> Fund:
    """Lock the fund's row for the rest of the transaction.

    Every write to the ledger takes this lock first, so two writers cannot both read
    "enough money" and both spend it; on SQLite the IMMEDIATE transaction does the same.
    """
    return Fund.objects.select_for_update().get(pk=fund_id)


def entry_reverse(*, actor: AbstractBaseUser, entry_id: int, reason: str) -> LedgerEntry:
    """Undo a wrong entry with an equal and opposite one (never by editing it).

    Locks the entry's fund row. Only the fund program's coordinators and superusers.
    Raises NotPermitted,
    InvalidInput (no reason), NotFound, Conflict (already reversed, a reversal itself, or
    the money is already spent so the reversal would take a bucket below zero).
    """
    from transport.access import coordinator_program

    superuser = getattr(actor, "is_superuser", False)
    # A coordinator reverses her program's entries only; a superuser (in the admin) any.
    program_id = None if superuser else coordinator_program(actor)
    reason = str(reason or "").strip()
    if not reason or len(reason) > 300:
        raise InvalidInput(fields={"reason": [_("Say why (300 characters at most).")]})
    with transaction.atomic():
        entry = LedgerEntry.objects.filter(pk=entry_id).first()
        if entry is None or not (superuser or _in_program(entry, program_id)):
            raise NotFound(_("We could not find that entry."))
        fund = fund_lock(entry.fund_id)
        if entry.subsidy_id:
            raise Conflict(_("Reverse the subsidy itself, so the family's record changes too."))
        if entry.reverses_id or LedgerEntry.objects.filter(reverses=entry).exists():
            raise Conflict(_("This entry is already reversed (or is a reversal itself)."))
        if entry.amount_cents > bucket_balance(fund, entry.earmark_id):
            raise Conflict(_("This money is already spent, so the entry cannot be reversed."))
        reversal, _new = entry_append(
            fund=fund, kind=EntryKind.REVERSAL, amount_cents=-entry.amount_cents,
            source_key=f"reversal:{entry.pk}", earmark_id=entry.earmark_id, reverses=entry,
            donation_id=entry.donation_id, subsidy_id=entry.subsidy_id, memo=reason,
            created_by=actor,
        )
    return reversal


def _in_program(entry: LedgerEntry, program_id: int | None) -> bool:
    return Fund.objects.filter(pk=entry.fund_id, program_id=program_id).exists()
