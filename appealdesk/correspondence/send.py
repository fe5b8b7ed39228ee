"""Send a decision in one action (issue 18, item 5): make the decision letter, deliver it, and
record the notice it gives.

`decision_send` asks for it (a `LetterJob` and a `letter.send_decision_requested` event, one
transaction) and queues the task; the task worker renders the PDF (seconds on a cold worker, so
the desk polls the job and shows where it is), then e-mails the letter when its addressee
agreed to e-mail, and records the written notice in the transaction of the send
(`services.letter_deliver`). Without consent the letter waits in the print queue, and its notice
is recorded when staff record it as mailed (a written notice is given when it is mailed, not
when it is printed). A send the mail server refuses leaves the letter `failed`: it shows in the
supervisors' failed-letters queue (`/desk/letters/queue/`) and its people are notified
(`activity.notify`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from appealdesk.cases import services as sv
from appealdesk.cases.errors import DomainError, InvalidTransition, Refused
from appealdesk.cases.models import Case
from appealdesk.correspondence.context import refusals
from appealdesk.correspondence.models import JobStatus, LetterJob
from appealdesk.correspondence.services import letter_deliver, letter_generate, letter_send

log = logging.getLogger(__name__)

# a job asked for this long ago and still not done lost its worker: it may be asked for again
JOB_STUCK_AFTER = dt.timedelta(minutes=15)


def decision_send(
    case: Case,
    *,
    actor: Any,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> LetterJob:
    """Ask for the decision letter to be made and sent. Refused when the decision is not
    recorded, when the case changed since the page was loaded, or while another send of this
    case's decision is under way."""
    from appealdesk.correspondence.tasks import run_letter_job

    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if expected_version is not None and case.version != expected_version:
            raise sv._stale(case, expected_version)
        why_not = refusals(case)["decision"]
        if why_not:
            raise InvalidTransition(f"no decision letter for {case.number}: {why_not}")
        running = (
            LetterJob.objects.filter(
                case=case, kind="decision", requested_at__gte=now - JOB_STUCK_AFTER
            )
            .filter(status__in=(JobStatus.QUEUED, JobStatus.RENDERING))
            .exists()
        )
        if running:
            raise InvalidTransition(
                f"the decision letter of {case.number} is being made: wait for it to finish"
            )
        job = LetterJob.objects.create(
            case=case,
            kind="decision",
            note=note.strip()[:2000],
            requested_at=now,
            requested_by=actor if getattr(actor, "pk", None) else None,
        )
        sv._event(
            case,
            "letter.send_decision_requested",
            actor=actor,
            at=now,
            after={"job": job.pk, "kind": "decision"},
        )
        transaction.on_commit(lambda: run_letter_job.enqueue(job.pk), robust=True)
    return job


def letter_job_run(job_id: int, *, now: dt.datetime | None = None) -> str:
    """The task's work: claim the job (a conditional update: two workers never make the letter
    twice), render and store the letter (the job marked done in the letter's transaction), then
    e-mail it when its addressee agreed to e-mail. Returns what became of it."""
    claimed = LetterJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RENDERING
    )
    if not claimed:
        return "not queued"
    job = LetterJob.objects.select_related("case", "requested_by").get(pk=job_id)
    actor = job.requested_by
    try:
        letter = letter_generate(
            job.case, kind=job.kind, actor=actor, note=job.note, now=now, job_id=job.pk
        )
    except Exception as exc:  # whatever stops the letter, the job and the case say so
        error = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        with transaction.atomic():
            LetterJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=error[:2000], finished_at=now or timezone.now()
            )
            sv._event(
                job.case,
                "letter.generate_failed",
                actor=actor,
                at=now or timezone.now(),
                reason=error[:2000],
                after={"job": job.pk, "kind": job.kind},
            )
        log.warning(
            "letter job %s failed: %s", job.pk, error, exc_info=not isinstance(exc, DomainError)
        )
        return JobStatus.FAILED
    try:
        letter_send(letter, actor=actor, now=now, enqueue=False)
    except Refused:
        return "print"  # no e-mail consent or address: the letter waits to be printed
    return str(letter_deliver(letter.pk, now=now))
