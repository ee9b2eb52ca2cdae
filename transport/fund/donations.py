"""Write services for gifts: validate, ask Stripe for an intent, record the pending gift.

The ledger is not touched here: money lands only when Stripe's signed webhook says so
(see `events.py`), so a page that is closed half-way never counts a gift that was not paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
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


def amount_check(raw: Any, currency: str | None = None) -> int:
    """A gift's amount in whole cents, from what a person typed ("25", "25.50").

    Raises InvalidInput naming the `amount` (or `currency`) field.
    """
    fund_currency = settings.FUND_CURRENCY.lower()
    problems: dict[str, list[str]] = {}
    if currency not in (None, "") and str(currency).lower() != fund_currency:
        problems["currency"] = [
            _("The fund takes gifts in %(currency)s only.") % {"currency": fund_currency.upper()}
        ]
    try:
        cents = cents_of(raw)
    except InvalidInput as exc:
        raise InvalidInput(fields={**problems, **exc.fields}) from None
    low, high = settings.FUND_MIN_DONATION_CENTS, settings.FUND_MAX_DONATION_CENTS
    if cents < low or cents > high:
        problems["amount"] = [
            _("Please give between %(low)s and %(high)s.")
            % {"low": money_text(low, fund_currency), "high": money_text(high, fund_currency)}
        ]
    if problems:
        raise InvalidInput(fields=problems)
    return cents


def cents_of(raw: Any) -> int:
    """Whole cents from a typed amount in units ("25.5" -> 2550); InvalidInput otherwise."""
    text = str(raw if raw is not None else "").strip().replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if isinstance(raw, bool) or amount is None or not amount.is_finite():
        raise InvalidInput(fields={"amount": [_("Enter an amount, for example 25 or 25.50.")]})
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise InvalidInput(fields={"amount": [_("An amount can have at most two decimals.")]})
    return int(cents)


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
