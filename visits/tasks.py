"""Background work for visits, run by django-tasks-db's `db_worker`."""

from django.tasks import task

from visits.reminders import reminders_send_due
from visits.services import (
    applications_expire_due,
    offers_expire,
    round_tell_families,
    rounds_allocate_due,
    rounds_open_due,
    rounds_tell_due,
    sessions_fill_horizon,
)


@task()
def fill_session_horizon() -> int:
    """Keep sessions materialised for the rolling horizon."""
    return sessions_fill_horizon()


@task()
def expire_waitlist_offers() -> int:
    """Pass expired waiting-list offers to the next family."""
    return offers_expire()


@task()
def send_visit_reminders() -> int:
    """Remind families the day before and two hours before their visit."""
    return reminders_send_due()


@task()
def open_request_rounds() -> int:
    """Open request rounds for the coming weeks of every rule shared out by a lottery."""
    return rounds_open_due()


@task()
def allocate_due_rounds() -> int:
    """Draw every request round whose deadline has passed (each exactly once)."""
    return rounds_allocate_due()


@task()
def tell_round_families(round_id: int) -> int:
    """Tell each household of a drawn round its outcome (once, whatever the retries)."""
    return round_tell_families(round_id=round_id)


@task()
def tell_due_round_families() -> int:
    """Tell the families of drawn rounds whose telling job was lost."""
    return rounds_tell_due()


@task()
def expire_approvals() -> int:
    """Mark approvals past their expiry day as run out and tell each family."""
    return applications_expire_due()
