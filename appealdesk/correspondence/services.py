"""Letters: generate (PDF stored as a case document with its SHA-256), send by e-mail (through
the task queue, only to a party who agreed to e-mail), record the paper copy as mailed. Each
writes a case event; sending or mailing an acknowledgement or a decision records the written
notice in the same transaction, which meets the clocks it fulfils and starts the ones it starts
(SPEC section 3: event-started clocks).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import pgettext

from appealdesk.cases import services as sv
from appealdesk.cases.addresses import address_problem
from appealdesk.cases.documents import document_store, files_undone_on_error
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import Case
from appealdesk.cases.models import State as S
from appealdesk.correspondence.models import (
    KIND_LABELS,
    JobStatus,
    Letter,
    LetterJob,
    LetterStatus,
)
from appealdesk.correspondence.render import letter_draft, pdf_of

log = logging.getLogger(__name__)

# the written notices a letter gives (services.case_record_notice)
NOTICE_OF_KIND = {"acknowledgement": "acknowledgement", "decision": "decision"}
SENDABLE = (LetterStatus.GENERATED, LetterStatus.FAILED)
# a send asked for this long ago and never finished lost its task (a worker died): it may be
# asked for again
STUCK_AFTER = dt.timedelta(minutes=15)
SMTP_TIMEOUT_SECONDS = 30


def letter_generate(
    case: Case,
    *,
    kind: str,
    actor: Any,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    job_id: int | None = None,
) -> Letter:
    """Render the letter from the active template version, store its PDF (immutable, by
    SHA-256) as a document of the case, and write `letter.generated`. The PDF is made outside
    the transaction; the case must still be the version it was made from when it is stored.
    `job_id`: the "send decision" job this letter finishes, marked done in the same
    transaction (`correspondence.send`)."""
    now = now or timezone.now()
    if kind not in KIND_LABELS:
        raise InvalidInput(f"kind must be one of {', '.join(KIND_LABELS)}", field="kind")
    case = Case.objects.select_related("member", "representative", "provider", "prior").get(
        pk=case.pk
    )
    if expected_version is not None and case.version != expected_version:
        raise sv._stale(case, expected_version)
    draft = letter_draft(case, kind, now=now, note=note)
    pdf, pages = pdf_of(draft.html)
    with transaction.atomic(), files_undone_on_error():
        if not Case.objects.filter(pk=case.pk, version=draft.case_version).exists():
            raise sv._stale(Case.objects.get(pk=case.pk), draft.case_version)
        name = f"{case.number}-{kind}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%S}.pdf"
        document = document_store(
            ContentFile(pdf, name=name), kind="letter", case=case, actor=actor
        )
        letter = Letter.objects.create(
            case=case,
            template=draft.template,
            kind=kind,
            subject=draft.subject,
            document=document,
            pages=pages,
            party=draft.party,
            addressee=draft.addressee,
            facts=draft.facts,
            note=note.strip(),
            language=draft.language,
            rendered_at=now,
            rendered_by=actor if getattr(actor, "pk", None) else None,
        )
        if job_id is not None:
            LetterJob.objects.filter(pk=job_id).update(
                status=JobStatus.DONE, letter=letter, finished_at=now
            )
        sv._event(
            case,
            "letter.generated",
            actor=actor,
            at=now,
            after={
                "letter": letter.pk,
                "kind": kind,
                "subject": draft.subject,
                "template_version": draft.template.version,
                "language": draft.language or "en",
                "to": draft.addressee,
                "pages": pages,
                "sha256": document.sha256,
            },
        )
    return letter


def letter_send(
    letter: Letter, *, actor: Any, now: dt.datetime | None = None, enqueue: bool = True
) -> Letter:
    """Ask for the letter to be e-mailed (the PDF attached) to its addressee, who must have an
    e-mail address on file and have agreed to receive letters by e-mail. The task queue sends
    it after this commits; the send, and the notice it gives, are recorded then. A caller
    already in the task worker (`correspondence.send`) passes `enqueue=False` and delivers it
    itself with `letter_deliver`."""
    from appealdesk.correspondence.tasks import deliver_letter

    now = now or timezone.now()
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        stuck = (
            letter.status in (LetterStatus.QUEUED, LetterStatus.SENDING)
            and letter.send_requested_at is not None
            and letter.send_requested_at < now - STUCK_AFTER
        )
        if letter.status not in SENDABLE and not stuck:
            raise InvalidTransition(_status_words(letter))
        address = _consented_address(letter)
        Letter.objects.filter(pk=letter.pk).update(
            status=LetterStatus.QUEUED,
            send_requested_at=now,
            send_requested_by=actor if getattr(actor, "pk", None) else None,
            sent_to=address,
            send_error="",
        )
        sv._event(
            letter.case,
            "letter.send_requested",
            actor=actor,
            at=now,
            after={"letter": letter.pk, "kind": letter.kind, "to": address},
        )
        if enqueue:
            transaction.on_commit(lambda: deliver_letter.enqueue(letter.pk), robust=True)
    letter.refresh_from_db()
    return letter


def _consented_address(letter: Letter) -> str:
    party = letter.party
    if party is None:
        raise Refused(
            f"the letter is addressed to {letter.addressee}, who has no e-mail on file: print it, "
            "mail it and record it as mailed"
        )
    if not party.email:
        raise Refused(
            f"{party.name} has no e-mail address on file: print the letter, mail it and record "
            "it as mailed"
        )
    if not party.email_consent:
        raise Refused(
            f"{party.name} has not agreed to receive letters by e-mail: print the letter, mail "
            "it and record it as mailed (or record their consent first)"
        )
    problem = address_problem(party.email)
    if problem is not None:
        raise Refused(
            f"the address on file for {party.name}, {problem}: correct it on their record, or "
            "print the letter, mail it and record it as mailed"
        )
    return party.email


def _status_words(letter: Letter) -> str:
    if letter.status == LetterStatus.SENT:
        return f"letter {letter.pk} was already e-mailed to {letter.sent_to} at {letter.sent_at}"
    if letter.status == LetterStatus.MAILED:
        return f"letter {letter.pk} was already recorded as mailed at {letter.mailed_at}"
    return f"letter {letter.pk} is being e-mailed (asked for at {letter.send_requested_at})"


def letter_deliver(letter_id: int, *, now: dt.datetime | None = None) -> str:
    """The task's work: claim the queued letter (a conditional update, so two workers never
    send it twice), e-mail it through Django's SMTP backend, then record the send and the
    notice it gives. Returns the letter's status, or "not queued"."""
    claimed = Letter.objects.filter(pk=letter_id, status=LetterStatus.QUEUED).update(
        status=LetterStatus.SENDING
    )
    if not claimed:
        return "not queued"
    letter = Letter.objects.select_related("case", "party", "document", "send_requested_by").get(
        pk=letter_id
    )
    actor = letter.send_requested_by
    try:
        address = _consented_address(letter)  # consent or the address may have changed
        _email(letter, address)
    except Exception as exc:  # whatever stops the send, the letter says so
        # Every failure ends as `failed` with its reason and an event: one left out here
        # (a ValueError from an address the mail library cannot parse) kept the letter
        # "sending" for ever, with nothing on the case saying why.
        error = exc.message if isinstance(exc, Refused) else f"{type(exc).__name__}: {exc}"
        failed_at = now or timezone.now()
        with transaction.atomic():
            Letter.objects.filter(pk=letter.pk).update(
                status=LetterStatus.FAILED, send_error=error[:2000]
            )
            sv._event(
                letter.case,
                "letter.send_failed",
                actor=actor,
                at=failed_at,
                reason=error[:2000],
                after={"letter": letter.pk, "kind": letter.kind, "to": letter.sent_to},
            )
        log.warning(
            "letter %s not e-mailed: %s", letter.pk, error, exc_info=not isinstance(exc, Refused)
        )
        return LetterStatus.FAILED
    sent_at = now or timezone.now()
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(
            status=LetterStatus.SENT, sent_at=sent_at, sent_to=address
        )
        sv._event(
            letter.case,
            "letter.sent",
            actor=actor,
            at=sent_at,
            after={"letter": letter.pk, "kind": letter.kind, "to": address},
        )
        _record_notice(letter, at=sent_at, actor=actor, how=f"e-mailed to {address}", now=sent_at)
    return LetterStatus.SENT


def _email(letter: Letter, address: str) -> None:
    case = letter.case
    # the message that carries the letter speaks the letter's language
    with translation.override(letter.language or "en"):
        body = (
            pgettext("letter e-mail", "Dear %(name)s,") % {"name": letter.addressee}
            + "\n\n"
            + pgettext(
                "letter e-mail",
                "A letter about your case %(number)s is attached as a PDF: %(subject)s.",
            )
            % {"number": case.number, "subject": letter.subject}
            + "\n\n"
            + pgettext(
                "letter e-mail",
                "You agreed to receive letters by e-mail. To get them on paper instead, or if "
                "you have questions, call us at the phone number printed at the top of the "
                "letter.",
            )
            + "\n"
        )
    message = mail.EmailMessage(
        subject=f"{letter.subject} ({case.number})",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        reply_to=[reply_address(case.number)],
        headers={"X-Appealdesk-Letter": str(letter.pk)},
    )
    with letter.document.file.open("rb") as stored:
        message.attach(f"{case.number}-{letter.kind}.pdf", stored.read(), "application/pdf")
    connection = mail.get_connection(fail_silently=False, timeout=SMTP_TIMEOUT_SECONDS)
    connection.send_messages([message])


def reply_address(case_number: str) -> str:
    """Where a reply about a case goes: the letters' address with the case number after a "+"
    (appeals+UMP-2026-0000012@plan.example; Microsoft 365 and Google deliver such addresses to
    the mailbox itself), so the mailroom threads the reply back to its case by its address
    even when the subject was changed. LETTERS_REPLY_TO overrides the mailbox's address."""
    address = getattr(settings, "LETTERS_REPLY_TO", "") or settings.DEFAULT_FROM_EMAIL
    name, at, domain = address.rpartition("@")
    if not at:
        return address
    return f"{name.split('+', 1)[0]}+{case_number}@{domain}"


def letter_mark_mailed(
    letter: Letter, *, actor: Any, at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Letter:
    """Record that staff printed and mailed the letter at `at` (default: now): the written
    notice it gives is recorded in the same transaction."""
    now = now or timezone.now()
    at = at or now
    if at > now + sv.FUTURE_GRACE:
        raise InvalidInput("a letter cannot be recorded as mailed in the future", field="at")
    with transaction.atomic():
        letter = Letter.objects.select_for_update().select_related("case").get(pk=letter.pk)
        if letter.status not in SENDABLE:
            raise InvalidTransition(_status_words(letter))
        if at < letter.rendered_at - sv.FUTURE_GRACE:
            raise InvalidInput(
                f"the letter was generated at {letter.rendered_at:%Y-%m-%d %H:%M} UTC: it cannot "
                "have been mailed before that",
                field="at",
            )
        Letter.objects.filter(pk=letter.pk).update(
            status=LetterStatus.MAILED,
            mailed_at=at,
            mailed_by=actor if getattr(actor, "pk", None) else None,
        )
        sv._event(
            letter.case,
            "letter.mailed",
            actor=actor,
            at=now,
            after={"letter": letter.pk, "kind": letter.kind, "to": letter.addressee, "at": at},
        )
        _record_notice(letter, at=at, actor=actor, how="mailed", now=now)
    letter.refresh_from_db()
    return letter


def _record_notice(
    letter: Letter, *, at: dt.datetime, actor: Any, how: str, now: dt.datetime
) -> Case | None:
    """An acknowledgement or decision letter is the written notice: record it (meeting the
    clocks it fulfils, starting those it starts). Nothing to record when the case has moved on
    (closed, reopened) since the letter was made."""
    notice = NOTICE_OF_KIND.get(letter.kind)
    if notice is None:
        return None
    case = Case.objects.select_for_update().get(pk=letter.case_id)
    if notice == "decision" and case.state not in (S.DECIDED, S.NOTIFIED):
        return None
    if notice == "acknowledgement" and not case.is_open:
        return None
    return sv.case_record_notice(
        case,
        actor=actor,
        notice=notice,
        medium="written",
        at=at,
        note=f"{KIND_LABELS[letter.kind].lower()} letter {letter.pk} {how}",
        now=now,
    )
