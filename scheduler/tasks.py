"""Background work that spans apps, run by django-tasks-db's `db_worker`."""

from django.tasks import task

from scheduler.privacy import households_purge_due


@task()
def purge_unused_households() -> int:
    """Erase households unused for HOUSEHOLD_RETENTION_MONTHS (README "Your data")."""
    return households_purge_due()
