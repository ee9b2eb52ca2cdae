"""Enqueue every app's periodic tasks on a timer; `db_worker` runs them.

It lives in the project package because it names tasks of every app (visits may not
import transport).

Django's tasks framework has no scheduler of its own, so this small loop plays cron.
Run one of these per deployment (more would only enqueue duplicate, harmless work).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.tasks import send_due_deliveries
from scheduler.tasks import purge_unused_households
from transport.fund.tasks import apply_pending_stripe_events, send_due_receipts
from transport.tasks import resume_plan_runs
from visits.tasks import (
    allocate_due_rounds,
    expire_approvals,
    expire_waitlist_offers,
    fill_session_horizon,
    open_request_rounds,
    send_visit_reminders,
    tell_due_round_families,
)

SCHEDULE = (  # task, every N seconds
    (fill_session_horizon, 3600),
    (expire_waitlist_offers, 60),
    (send_visit_reminders, 60),
    # Request rounds: open the coming weeks' rounds, and draw each one soon after its
    # deadline (the draw locks the round row, so duplicates are harmless).
    (open_request_rounds, 600),
    (allocate_due_rounds, 60),
    # Drawn rounds whose families were not told (the job after the draw's commit was lost).
    (tell_due_round_families, 60),
    # Email/SMS held by quiet hours, due for a retry, or whose task was lost.
    (send_due_deliveries, 60),
    # Stripe events stored by the webhook whose apply task was lost (a crash between
    # commit and enqueue); applying is idempotent under the event row's lock.
    (apply_pending_stripe_events, 300),
    # Planning runs whose worker died (lease run out) or whose task was lost.
    (resume_plan_runs, 60),
    # Receipts never confirmed sent (the task was lost or its worker died mid-send).
    (send_due_receipts, 120),
    # Visitor approvals past their expiry day: the family is told (the roster flags any
    # visit booked after it on its own).
    (expire_approvals, 3600),
    # Retention: households unused for HOUSEHOLD_RETENTION_MONTHS lose their personal data.
    (purge_unused_households, 86400),
)


class Command(BaseCommand):
    help = (
        "Enqueue periodic tasks (session horizon, waiting-list offers, visit reminders, "
        "request rounds, held email/SMS, stored Stripe events) forever."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue each task once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        last_run: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for task, every in SCHEDULE:
                name = task.name
                if now - last_run.get(name, -every) >= every:
                    task.enqueue()
                    last_run[name] = now
            if options["once"]:
                return
            time.sleep(5)
