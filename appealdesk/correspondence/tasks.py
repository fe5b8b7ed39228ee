"""The tasks the queue runs for letters (`appealdesk worker` runs the queue): e-mail one, and
make and send a decision letter in one action."""

from __future__ import annotations

from django_tasks import task

from appealdesk.correspondence.send import letter_job_run
from appealdesk.correspondence.services import letter_deliver


@task()
def deliver_letter(letter_id: int) -> str:
    return letter_deliver(letter_id)


@task()
def run_letter_job(job_id: int) -> str:
    return letter_job_run(job_id)
