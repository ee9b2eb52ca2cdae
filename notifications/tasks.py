"""Background work for notifications, run by django-tasks-db's `db_worker`.

Tasks take primary keys only: the row is read fresh when the task runs.
"""

from django.tasks import task

from notifications.delivery import deliveries_send_due, delivery_send_external


@task()
def send_delivery_external(delivery_id: int) -> str:
    """Email / text one inbox delivery to its recipient (once, whatever the retries)."""
    return delivery_send_external(delivery_id=delivery_id)


@task()
def send_due_deliveries() -> int:
    """Send deliveries held by quiet hours, due for a retry, or whose task was lost."""
    return deliveries_send_due()
