"""Receipts: one per paid gift, in the language the donor gave in."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tests.fund.conftest import IMMEDIATE_TASKS
from transport.fund.events import event_apply
from transport.fund.ledger import fund_default
from transport.fund.models import Donation, StripeEvent
from transport.fund.receipts import receipt_send

pytestmark = pytest.mark.django_db


def paid_gift(language: str, earmark: Any = None) -> Donation:
    fund = fund_default()
    with translation.override(language):
        donation = Donation.objects.create(
            fund=fund, kind="one_time", payment_intent_id=f"pi_receipt_{language}",
            amount_cents=4250, currency="usd", email="ana@example.org", name="Ana",
            language=translation.get_language(), earmark=earmark,
        )
    return donation


def succeed(donation: Donation, capture: Any) -> None:
    row = StripeEvent.objects.create(
        event_id=f"evt_{donation.payment_intent_id}", type="payment_intent.succeeded",
        payload={"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {
            "id": donation.payment_intent_id, "object": "payment_intent", "amount": 4250,
            "invoice": None, "latest_charge": "ch_x"}}},
    )
    with capture(execute=True):
        event_apply(event_pk=row.pk)


def test_receipt_in_spanish_for_a_gift_given_in_spanish(
    settings: Any, mailoutbox: list, django_capture_on_commit_callbacks: Any, world: Any
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    succeed(paid_gift("es", earmark=world.facility), django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.subject == "Gracias: su donativo al fondo de viajes"
    assert "Recibimos su donativo de 42.50 USD" in mail.body
    assert world.facility.name in mail.body


def test_receipt_is_sent_once(
    settings: Any, mailoutbox: list, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    donation = paid_gift("en")
    succeed(donation, django_capture_on_commit_callbacks)
    assert receipt_send(donation_id=donation.pk) is False  # a retried task sends nothing
    assert [m.subject for m in mailoutbox] == ["Thank you: your gift to the travel fund"]


def test_events_whose_task_was_lost_are_applied_by_the_sweep(settings: Any) -> None:
    import io

    from django.core.management import call_command

    from transport.fund.ledger import fund_balance

    settings.TASKS = IMMEDIATE_TASKS
    donation = paid_gift("en")
    StripeEvent.objects.create(  # stored, but its task never ran
        event_id="evt_lost", type="payment_intent.succeeded",
        payload={"id": "evt_lost", "data": {"object": {
            "id": donation.payment_intent_id, "object": "payment_intent", "amount": 4250}}},
    )
    out = io.StringIO()
    call_command("fund_apply_pending", stdout=out)
    assert out.getvalue().strip() == "applied: 1"
    assert fund_balance(fund_default()) == 4250
    call_command("fund_apply_pending", stdout=out)  # nothing left, nothing doubled
    assert fund_balance(fund_default()) == 4250
