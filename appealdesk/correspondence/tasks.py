"""The task the queue runs for a letter to be e-mailed (`appealdesk worker` runs the queue)."""

from __future__ import annotations

from django_tasks import task

from appealdesk.correspondence.services import letter_deliver


@task()
def deliver_letter(letter_id: int) -> str:
    return letter_deliver(letter_id)
