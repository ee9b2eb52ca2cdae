"""Write services for gifts: validate, ask Stripe for an intent, record the pending gift.

The ledger is not touched here: money lands only when Stripe's signed webhook says so
(see `events.py`), so a page that is closed half-way never counts a gift that was not paid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from scheduler.errors import InvalidInput, NotFound
from transport.fund import gateway
from transport.fund.ledger import fund_for_program
from transport.fund.models import Donation, DonationKind, Fund, MonthlyGift
from transport.models import Program
from transport.programs import program_of_facility
from visits.models import Facility


@dataclass(frozen=True)
class GiftStarted:
    """What the donation page needs to show Stripe's Payment Element."""

    kind: str
    client_secret: str
    intent_id: str
    amount_cents: int
    currency: str


def money_text(cents: int, currency: str) -> str:
    """12345, "usd" -> "123.45 USD" (plain, so it reads the same in every language)."""
    return f"{cents // 100:,}.{cents % 100:02d} {currency.upper()}"


def money_text_local(cents: int, currency: str) -> str:
    """12345, "usd" -> "123.45 USD" in English, "123,45 USD" in Spanish: for text that
    tells a donor what to type, so it is written the way she writes numbers."""
    units = formats.number_format(Decimal(cents) / 100, 2, use_l10n=True, force_grouping=True)
    return f"{units} {currency.upper()}"


@dataclass(frozen=True)
class TypedAmount:
    """An amount read from what a person typed, in whole cents."""

    cents: int
    # "1,500" or "1.500": a lone separator before three digits, read as thousands, though
    # it may be a slip for decimals; an out-of-range guess is explained, not just refused.
    guessed: bool


def amount_check(raw: Any, currency: str | None = None) -> int:
    """A gift's amount in whole cents, from what a person typed (see `amount_read`).

    Raises InvalidInput naming the `amount` (or `currency`) field.
    """
    fund_currency = settings.FUND_CURRENCY.lower()
    problems: dict[str, list[str]] = {}
    if currency not in (None, "") and str(currency).lower() != fund_currency:
        problems["currency"] = [
            _("The fund takes gifts in %(currency)s only.") % {"currency": fund_currency.upper()}
        ]
    try:
        typed = amount_read(raw)
    except InvalidInput as exc:
        raise InvalidInput(fields={**problems, **exc.fields}) from None
    low, high = settings.FUND_MIN_DONATION_CENTS, settings.FUND_MAX_DONATION_CENTS
    if typed.cents < low or typed.cents > high:
        between = _("Please give between %(low)s and %(high)s.") % {
            "low": money_text_local(low, fund_currency),
            "high": money_text_local(high, fund_currency)}
        # One message (the page shows one line per field): "25,505" was likely "25.50".
        problems["amount"] = [f"{_how_to_write()} {between}" if typed.guessed else between]
    if problems:
        raise InvalidInput(fields=problems)
    return typed.cents


def cents_of(raw: Any) -> int:
    """Whole cents from a typed amount in units ("25,5" -> 2550); InvalidInput otherwise."""
    return amount_read(raw).cents


# Digits in groups split by one separator each; what the separators mean is decided after.
_AMOUNT_SHAPE = re.compile(r"[0-9]+(?:[., ][0-9]+)*")
# No-break and thin spaces (Spanish groups thousands with them, and so does Django) read
# as plain spaces.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def amount_read(raw: Any) -> TypedAmount:
    """Read a typed amount in units, written the English or the Spanish way.

    "25.50", "25,50" and "25,5" carry decimals (one or two digits after a lone separator);
    "1,500", "1.500.000" and "1 500" group thousands (three digits after each separator; a
    lone "1.500" is refused: English reads it as decimals, much of Latin America as
    thousands); with
    two kinds of separator ("1.500,00", "1,500.00") the last one is the decimal. Anything
    else ("1,2,3", "12.34.56", "-5", "1e3") is refused, never guessed: InvalidInput on
    `amount`, saying how to write it.
    """
    if isinstance(raw, bool):
        raise _amount_refused(_how_to_write())
    text = str(raw if raw is not None else "").translate(_SPACES).strip()
    text = text.removeprefix("$").removesuffix("$").strip()
    if not text:
        raise _amount_refused(_("Enter an amount, for example 25 or 25.50."))
    if len(text) > 40 or not _AMOUNT_SHAPE.fullmatch(text):
        raise _amount_refused(_how_to_write())
    whole, decimals, guessed = _amount_parts(text)
    return TypedAmount(int(whole) * 100 + int(decimals.ljust(2, "0")), guessed)


def _amount_parts(text: str) -> tuple[str, str, bool]:
    """(whole units, decimals, guessed) of a well-shaped amount, grouping taken out."""
    separators = [c for c in text if c in "., "]
    if not separators:
        return text, "", False
    last = separators[-1]
    head, _sep, tail = text.rpartition(last)
    kinds = set(separators)
    if len(kinds) == 1:
        if len(separators) == 1 and last != " " and len(tail) <= 2:
            return head, tail, False  # "25,5", "25.50"
        if len(separators) == 1 and last == "." and len(tail) == 3:
            # "3.555": a slip of the decimals in English, thousands in much of the Spanish-
            # speaking world. A wrong guess would charge 1,000 times too much or too little.
            raise _amount_refused(_how_to_write())
        lone_three = len(separators) == 1 and last != " "  # "1,500", "25.505"
        return _ungrouped(text, last), "", lone_three
    if len(kinds) > 2 or last == " " or separators.count(last) > 1:
        raise _amount_refused(_how_to_write())
    if len(tail) > 2:
        raise _amount_refused(_("An amount can have at most two decimals."))
    (grouping,) = kinds - {last}
    return _ungrouped(head, grouping), tail, False


def _ungrouped(text: str, separator: str) -> str:
    """"10.000" -> "10000"; groups that are not thousands ("1,2,3", "0,500") are refused."""
    first, *rest = text.split(separator)
    if not 1 <= len(first) <= 3 or first.startswith("0") or any(len(g) != 3 for g in rest):
        raise _amount_refused(_how_to_write())
    return first + "".join(rest)


def _how_to_write() -> str:
    return _("Write the amount in %(currency)s, like 25 or 25.50.") % {
        "currency": settings.FUND_CURRENCY.upper()}


def _amount_refused(message: str) -> InvalidInput:
    return InvalidInput(fields={"amount": [message]})


def earmark_check(raw: Any) -> Facility | None:
    if raw in (None, ""):
        return None
    try:
        return Facility.objects.get(pk=int(raw))
    except (TypeError, ValueError, Facility.DoesNotExist):
        raise InvalidInput(fields={"earmark": [_("Choose a facility from the list.")]}) from None


def program_check(raw: Any, place: Facility | None) -> int | None:
    """The program whose fund the gift goes to (None: the unnamed program's fund).

    Chosen by the donor (or preselected by the program's own link); else the program of
    the facility she keeps it for; else the only program. With several programs and no
    choice, or a facility another program serves, InvalidInput names the field to fix.
    """
    serves = program_of_facility(place.pk) if place is not None else None
    if raw not in (None, ""):
        try:
            chosen = Program.objects.get(pk=int(raw))
        except (TypeError, ValueError, OverflowError, Program.DoesNotExist):
            raise InvalidInput(fields={"program": [
                _("Choose a program from the list.")]}) from None
        if place is not None and serves != chosen.pk:
            raise InvalidInput(fields={"earmark": [
                _("%(program)s does not drive families to %(place)s: choose one of its "
                  "facilities, or any family.") % {"program": chosen.name, "place": place.name}]})
        return chosen.pk
    if place is not None:
        return serves
    programs = list(Program.objects.values_list("pk", flat=True)[:2])
    if len(programs) > 1:
        raise InvalidInput(fields={"program": [_("Choose the program your gift goes to.")]})
    return programs[0] if programs else None


def donor_check(email: Any, name: Any) -> tuple[str, str]:
    email_text, name_text = str(email or "").strip(), str(name or "").strip()
    problems: dict[str, list[str]] = {}
    try:
        validate_email(email_text)
    except ValidationError:
        problems["email"] = [_("Enter an email address so we can send your receipt.")]
    if len(name_text) > 120:
        problems["name"] = [_("A name can be at most 120 characters.")]
    if problems:
        raise InvalidInput(fields=problems)
    return email_text, name_text


def _metadata(kind: str, earmark: Facility | None, fund: Fund) -> dict[str, str]:
    # `fund_id` lets a lost gift row be rebuilt into the right program's fund.
    return {"fund": "travel", "fund_id": str(fund.pk), "kind": kind,
            "earmark": str(earmark.pk if earmark else "")}


def donation_start(
    *, amount: Any, email: Any, name: Any = "", earmark: Any = None, currency: Any = None,
    kind: str = DonationKind.ONE_TIME, program: Any = None,
) -> GiftStarted:
    """Check the gift, then create its PaymentIntent (one-time) or SetupIntent (monthly),
    for the fund of the program chosen (see `program_check`).

    Raises InvalidInput (fields: amount, currency, email, name, earmark, program, kind) and
    PaymentServiceDown. Stripe is called before any row is written, outside a transaction.
    """
    problems: dict[str, list[str]] = {}
    if kind not in DonationKind.values:
        problems["kind"] = [_("Choose a one-time or a monthly gift.")]
    cents = _checked(problems, amount_check, amount, currency) or 0
    place = _checked(problems, earmark_check, earmark)
    program_id = _checked(problems, program_check, program, place)
    email_text, name_text = _checked(problems, donor_check, email, name) or ("", "")
    if problems:
        raise InvalidInput(fields=problems)
    fund = fund_for_program(program_id)
    if kind == DonationKind.MONTHLY:
        return _monthly_start(fund, cents, place, email_text, name_text)
    return _one_time_start(fund, cents, place, email_text, name_text)


def _checked(problems: dict[str, list[str]], check: Any, *args: Any) -> Any:
    """Run one check; collect its complaints so the donor hears all of them at once."""
    try:
        return check(*args)
    except InvalidInput as exc:
        problems.update(exc.fields)
        return None


def _one_time_start(fund: Fund, cents: int, place: Facility | None, email: str,
                    name: str) -> GiftStarted:
    intent = gateway.payment_intent_create(
        amount_cents=cents, currency=fund.currency,
        metadata=_metadata(DonationKind.ONE_TIME, place, fund),
    )
    with transaction.atomic():
        Donation.objects.create(
            fund=fund, kind=DonationKind.ONE_TIME, payment_intent_id=intent.id,
            amount_cents=cents, currency=fund.currency, earmark=place, email=email, name=name,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    return GiftStarted(DonationKind.ONE_TIME, intent.client_secret, intent.id, cents,
                       fund.currency)


def _monthly_start(fund: Fund, cents: int, place: Facility | None, email: str,
                   name: str) -> GiftStarted:
    customer = gateway.customer_create(email=email, name=name)
    setup = gateway.setup_intent_create(
        customer_id=customer.id, metadata=_metadata(DonationKind.MONTHLY, place, fund)
    )
    with transaction.atomic():
        MonthlyGift.objects.create(
            fund=fund, customer_id=customer.id, setup_intent_id=setup.id, amount_cents=cents,
            earmark=place, email=email, name=name,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    return GiftStarted(DonationKind.MONTHLY, setup.client_secret, setup.id, cents, fund.currency)


def monthly_gift_subscribe(*, setup_intent_id: str) -> MonthlyGift:
    """After the donor's card is saved (SetupIntent succeeded), start the Subscription.

    Safe to call again (the return page may be reloaded): a gift with a subscription is
    returned as it is. Raises NotFound, InvalidInput (card not saved), PaymentServiceDown.
    """
    gift = MonthlyGift.objects.filter(setup_intent_id=str(setup_intent_id)).first()
    if gift is None:
        raise NotFound(_("We could not find that monthly gift."))
    if gift.subscription_id:
        return gift
    setup = gateway.setup_intent_retrieve(gift.setup_intent_id)
    if setup.status != "succeeded" or not setup.payment_method:
        raise InvalidInput(_("Your card was not saved. Please try again."))
    plan_id = gateway.monthly_plan(amount_cents=gift.amount_cents, currency=gift.fund.currency)
    subscription = gateway.subscription_create(
        customer_id=gift.customer_id, payment_method_id=str(setup.payment_method),
        plan_id=plan_id, metadata={"fund": "travel", "monthly_gift": str(gift.pk)},
    )
    # Two reloads racing: only the first subscription id is kept.
    MonthlyGift.objects.filter(pk=gift.pk, subscription_id__isnull=True).update(
        subscription_id=subscription.id
    )
    gift.refresh_from_db()
    return gift
