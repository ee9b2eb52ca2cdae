"""Background work for the fund, run by django-tasks-db's `db_worker`.

Tasks take primary keys only: the row is read fresh when the task runs.
"""

from django.tasks import task

from transport.fund.events import event_apply, events_apply_pending
from transport.fund.receipts import receipt_send, receipts_send_due


@task()
def apply_stripe_event(event_pk: int) -> str:
    """Apply one stored Stripe event to the ledger (once, whatever the retries)."""
    return event_apply(event_pk=event_pk)


@task()
def apply_pending_stripe_events() -> int:
    """Apply stored events whose task was lost."""
    return events_apply_pending()


@task()
def send_receipt(donation_id: int) -> bool:
    """Email the donor a receipt for one paid gift (once)."""
    return receipt_send(donation_id=donation_id)


@task()
def send_due_receipts() -> int:
    """Receipts of paid gifts never confirmed sent (task lost, or its worker killed)."""
    return receipts_send_due()
