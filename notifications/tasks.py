"""Background work for notifications, run by django-tasks-db's `db_worker`.

Tasks take primary keys only: the row is read fresh when the task runs.
"""

import logging

from django.tasks import task

from notifications.delivery import deliveries_send_due, delivery_send_external

logger = logging.getLogger(__name__)


@task()
def send_delivery_external(delivery_id: int) -> str:
    """Email / text one inbox delivery to its recipient (once, whatever the retries)."""
    return delivery_send_external(delivery_id=delivery_id)


@task()
def send_deliveries_external(delivery_ids: list[int]) -> int:
    """Email / text several deliveries of one event (one task per batch, not per person:
    an event for 1,000 families would otherwise write 1,000 task rows on commit). One
    that fails is left to the sweep (`external_due_at`); the others still go."""
    sent = 0
    for delivery_id in delivery_ids:
        try:
            sent += delivery_send_external(delivery_id=delivery_id) == "sent"
        except Exception:  # the sweep retries this one; go on with the rest
            logger.exception("email/SMS for delivery %s failed", delivery_id)
    return sent


@task()
def send_due_deliveries() -> int:
    """Send deliveries held by quiet hours, due for a retry, or whose task was lost."""
    return deliveries_send_due()
