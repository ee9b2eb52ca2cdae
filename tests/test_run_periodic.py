"""The one periodic loop (scheduler's run_periodic) enqueues every app's sweeps."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult


def test_run_periodic_enqueues_each_apps_sweeps(db) -> None:
    call_command("run_periodic", "--once")
    names = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert {
        "visits.tasks.fill_session_horizon",
        "visits.tasks.send_visit_reminders",
        "visits.tasks.tell_due_round_families",
        "notifications.tasks.send_due_deliveries",
        "transport.fund.tasks.apply_pending_stripe_events",
    } <= names
