"""Background work for transport, run by django-tasks-db's `db_worker`.

Tasks take primary keys only: the run is read fresh when the task starts.
"""

from django.tasks import task

from transport.services import plan_run_execute, plan_runs_resume


@task()
def plan_day_task(run_id: int) -> str:
    """Plan one day's rides (a queued PlanRun) and tell coordinators and families."""
    return plan_run_execute(run_id=run_id).status


@task()
def resume_plan_runs() -> int:
    """Hand planning runs whose worker died (or whose task was lost) to a new task."""
    return plan_runs_resume()
