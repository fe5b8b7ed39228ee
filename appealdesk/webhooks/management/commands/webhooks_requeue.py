"""The webhooks' safety net, for cron or a timer where no `appealdesk worker` runs it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from appealdesk.webhooks.tasks import deliveries_requeue_overdue


class Command(BaseCommand):
    help = "Queue again the pending webhook deliveries whose attempt is overdue (a lost task)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = deliveries_requeue_overdue()
        self.stdout.write(f"{count} overdue deliveries queued again")
