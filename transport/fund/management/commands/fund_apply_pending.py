"""Apply stored Stripe events whose task was lost (run it from cron or after an outage)."""

from typing import Any

from django.core.management.base import BaseCommand

from transport.fund.events import events_apply_pending


class Command(BaseCommand):
    help = "Apply stored Stripe events that were received but never applied."

    def handle(self, *args: Any, **options: Any) -> None:
        count = events_apply_pending()
        self.stdout.write(f"applied: {count}")
