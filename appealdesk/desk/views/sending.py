"""Send a decision in one action, with its progress (htmx polls the job while the task worker
renders the PDF), and the letters queue: the letters whose e-mail failed (supervisors: send
again or record as printed and mailed) and the letters waiting to be printed (issue 18, item 5).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from appealdesk.access import roles
from appealdesk.access.log import case_for, log_reads
from appealdesk.activity.notify import failure_words
from appealdesk.cases import packs
from appealdesk.cases.errors import DomainError
from appealdesk.correspondence.models import JobStatus, Letter, LetterJob, LetterStatus
from appealdesk.correspondence.send import decision_send
from appealdesk.correspondence.services import letter_mark_mailed, letter_send
from appealdesk.desk.views.letters import MailedForm, _back


def job_progress(job: LetterJob) -> dict[str, Any]:
    """Where a "send decision" stands, in words (step 1 to 4), and whether to keep polling."""
    letter: Letter | None = job.letter
    if job.status == JobStatus.QUEUED:
        return {"step": 1, "words": "Waiting for the letter worker…", "done": False}
    if job.status == JobStatus.RENDERING:
        return {"step": 2, "words": "Making the PDF…", "done": False}
    if job.status == JobStatus.FAILED or letter is None:
        words = f"The letter could not be made: {job.error}"
        return {"step": 2, "words": words, "done": True, "failed": True}
    if letter.status in (LetterStatus.QUEUED, LetterStatus.SENDING):
        return {"step": 3, "words": f"E-mailing it to {letter.sent_to}…", "done": False}
    if letter.status == LetterStatus.SENT:
        words = f"E-mailed to {letter.sent_to}; the written notice is recorded."
        return {"step": 4, "words": words, "done": True}
    if letter.status == LetterStatus.FAILED:
        words = (
            f"The e-mail to {letter.sent_to} could not be sent: "
            f"{failure_words(letter.send_error)}. The letter is in the failed-letters queue: "
            "send it again, or print and mail it."
        )
        return {"step": 3, "words": words, "done": True, "failed": True}
    if letter.status == LetterStatus.MAILED:
        words = "Printed and mailed; the written notice is recorded."
        return {"step": 4, "words": words, "done": True}
    words = (
        f"{letter.addressee} has not agreed to letters by e-mail: the letter is in the print "
        "queue. Print it, mail it and record it as mailed (the notice is recorded then)."
    )
    return {"step": 4, "words": words, "done": True}


def send_panel(case: Any) -> dict[str, Any]:
    """The case page's "send decision": the latest job of the case and where it stands (one
    query)."""
    job = (
        LetterJob.objects.filter(case=case)
        .select_related("letter")
        .order_by("-requested_at", "-id")
        .first()
    )
    return {"job": job, **job_progress(job)} if job is not None else {"job": None}


@require_POST
def send_decision(request: HttpRequest, number: str) -> HttpResponse:
    case = case_for(request, number, what="send decision")
    if not roles.may(request.user, "letters"):
        return HttpResponseForbidden("You may not send letters.")
    try:
        job = decision_send(
            case,
            actor=request.user,
            note=request.POST.get("note", "")[:2000],
            expected_version=roles.as_int(request.POST.get("version")),
        )
    except DomainError as exc:
        if request.htmx:
            return render(
                request,
                "desk/_send_progress.html",
                {"case": case, "error": exc.message},
                status=422,
            )
        messages.error(request, exc.message)
        return _back(case)
    if request.htmx:
        return _progress(request, case, job)
    return _back(case)


@require_GET
def job_status(request: HttpRequest, number: str, job_id: int) -> HttpResponse:
    case = case_for(request, number, what="send decision progress")
    job = LetterJob.objects.filter(case=case, pk=job_id).select_related("letter").first()
    if job is None:
        raise Http404("No such letter job on this case.")
    return _progress(request, case, job)


def _progress(request: HttpRequest, case: Any, job: LetterJob) -> HttpResponse:
    return render(
        request, "desk/_send_progress.html", {"case": case, "job": job, **job_progress(job)}
    )


# -- the letters queue ------------------------------------------------------------------------
QUEUE_SIZE = 200


@require_GET
def letter_queue(request: HttpRequest) -> HttpResponse:
    """Letters that need a person: e-mails that failed, and letters waiting to be printed (the
    latest "send decision" of their case ended in the print queue), of the cases the user may
    see, oldest first."""
    if not roles.may(request.user, "letter_queue"):
        return HttpResponseForbidden("The letters queue is for supervisors.")
    visible = roles.visible_cases(request.user)
    base = Letter.objects.filter(case__in=visible).select_related("case", "party")
    failed = list(
        base.filter(status=LetterStatus.FAILED).order_by("rendered_at", "id")[:QUEUE_SIZE]
    )
    to_print = list(
        base.filter(status=LetterStatus.GENERATED, jobs__status=JobStatus.DONE)
        .distinct()
        .order_by("rendered_at", "id")[:QUEUE_SIZE]
    )
    log_reads(request, [row.case for row in failed + to_print], "letters queue")
    return render(
        request,
        "desk/letter_queue.html",
        {
            "failed": [{"letter": x, "why": failure_words(x.send_error)} for x in failed],
            "to_print": to_print,
            "mailed_form": MailedForm(),
        },
    )


def _queued_letter(request: HttpRequest, letter_id: int, what: str) -> Letter:
    letter = Letter.objects.filter(pk=letter_id).select_related("case", "party").first()
    if letter is None:
        raise Http404("No such letter.")
    case_for(request, letter.case.number, what=what)  # 404 (and logged) if not hers to see
    return letter


@require_POST
def queue_retry(request: HttpRequest, letter_id: int) -> HttpResponse:
    if not roles.may(request.user, "letter_queue"):
        return HttpResponseForbidden("The letters queue is for supervisors.")
    letter = _queued_letter(request, letter_id, "letter e-mail again")
    try:
        letter = letter_send(letter, actor=request.user)
    except DomainError as exc:
        messages.error(request, f"{letter.case.number}: {exc.message}")
    else:
        messages.success(
            request, f"{letter.case.number}: the letter is queued to {letter.sent_to} again."
        )
    return _to_queue()


@require_POST
def queue_mailed(request: HttpRequest, letter_id: int) -> HttpResponse:
    if not roles.may(request.user, "letter_queue"):
        return HttpResponseForbidden("The letters queue is for supervisors.")
    letter = _queued_letter(request, letter_id, "letter mailed")
    program = packs.program_of(letter.case.pack_id)
    with timezone.override(program.tz):
        form = MailedForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Mailed at: enter a date and time, e.g. 2026-03-04 16:30.")
            return _to_queue()
        try:
            letter_mark_mailed(letter, actor=request.user, at=form.cleaned_data["at"])
        except DomainError as exc:
            messages.error(request, f"{letter.case.number}: {exc.message}")
        else:
            messages.success(request, f"{letter.case.number}: recorded as printed and mailed.")
    return _to_queue()


def _to_queue() -> HttpResponse:
    return HttpResponseRedirect(reverse("desk:letter_queue"))
