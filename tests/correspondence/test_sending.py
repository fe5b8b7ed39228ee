"""Sending letters: by e-mail through Django's SMTP backend to an aiosmtpd server on 127.0.0.1
(the PDF attached, only to a party who agreed to e-mail), or on paper, recorded as mailed by
staff. Either way an acknowledgement or a decision letter is the written notice: recording it
meets the clocks it fulfils and starts the event-started ones (SPEC section 3)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import Case, ClockState, Event, Notification, Party
from appealdesk.cases.models import State as S
from appealdesk.correspondence import catalog
from appealdesk.correspondence.models import Letter, LetterStatus
from appealdesk.correspondence.services import (
    letter_deliver,
    letter_generate,
    letter_mark_mailed,
    letter_send,
)
from appealdesk.policy import loader
from tests.conftest import ump
from tests.correspondence.conftest import at, free_port, pdf_text, words
from tests.policy.test_packs import GENEX, write_variant


def recent_appeal(cases, member=None):
    """A first-level appeal received an hour ago (real time: the e-mail goes out now)."""
    now = timezone.now()
    received = (now - dt.timedelta(hours=1)).astimezone(dt.timezone(-dt.timedelta(hours=8)))
    notice = (received - dt.timedelta(days=30)).date().isoformat()
    request = ump(received_at=received.isoformat(timespec="seconds"), notice_date=notice)
    return sv.case_receive(
        request=request,
        actor=cases.people["alice"],
        member=member or cases.member,
        backdate_reason="entered after the call",
    )


def clock(case, clock_id):
    return case.clocks.exclude(state=ClockState.CANCELLED).get(clock_id=clock_id)


@pytest.mark.django_db
def test_an_acknowledgement_is_emailed_with_its_pdf_and_meets_the_clock(
    cases, smtp, django_capture_on_commit_callbacks
):
    case = recent_appeal(cases)
    letter = letter_generate(case, kind="acknowledgement", actor=cases.people["bob"])
    with django_capture_on_commit_callbacks(execute=True):
        letter_send(letter, actor=cases.people["bob"])
    # one message, to the member, from the letters' address, the PDF attached byte for byte
    assert len(smtp.messages) == 1
    sender, recipients, message = smtp.messages[0]
    assert (sender, recipients) == ("appeals@ump.example.org", ["pat.doe@example.org"])
    assert message["Subject"] == f"We received your first-level appeal ({case.number})"
    assert message["X-Appealdesk-Letter"] == str(letter.pk)
    body, attachment = message.get_payload()
    assert case.number in body.get_payload(decode=True).decode()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{case.number}-acknowledgement.pdf"
    pdf = attachment.get_payload(decode=True)
    assert hashlib.sha256(pdf).hexdigest() == letter.document.sha256
    letter.refresh_from_db()
    assert (letter.status, letter.sent_to) == (LetterStatus.SENT, "pat.doe@example.org")
    assert letter.sent_at is not None and letter.send_requested_by == cases.people["bob"]
    # the written acknowledgement is recorded: the 72-hour clock is met, by bob
    acknowledge = clock(case, "acknowledge")
    assert (acknowledge.state, acknowledge.met_at) == (ClockState.MET, letter.sent_at)
    actions = list(Event.objects.filter(case=case).values_list("action", "actor_label"))
    assert actions[-4:] == [
        ("letter.generated", "bob"),
        ("letter.send_requested", "bob"),
        ("letter.sent", "bob"),
        ("notice.acknowledgement", "bob"),
    ]
    notice = Event.objects.get(case=case, action="notice.acknowledgement")
    assert notice.after["medium"] == "written"
    assert f"letter {letter.pk} e-mailed to pat.doe@example.org" in notice.reason
    # sent once: asking again is refused, and a repeated task does nothing
    with pytest.raises(InvalidTransition, match="already e-mailed"):
        letter_send(letter, actor=cases.people["bob"])
    assert letter_deliver(letter.pk) == "not queued"
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_no_email_without_consent(cases, smtp, paper_member, django_capture_on_commit_callbacks):
    case = recent_appeal(cases, member=paper_member)
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Refused, match="Lee Roe has not agreed to receive letters by e-mail"),
    ):
        letter_send(letter, actor=cases.people["bob"])
    no_address = Party.objects.create(role="member", name="Kim Poe", email_consent=True)
    other = letter_generate(
        recent_appeal(cases, member=no_address), kind="acknowledgement", actor=None
    )
    with pytest.raises(Refused, match="Kim Poe has no e-mail address on file"):
        letter_send(other, actor=cases.people["bob"])
    assert smtp.messages == []
    letter.refresh_from_db()
    assert letter.status == LetterStatus.GENERATED
    assert clock(case, "acknowledge").state == ClockState.RUNNING


@pytest.mark.django_db
def test_consent_withdrawn_before_the_worker_sends(cases, smtp, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    case = recent_appeal(cases)
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    letter_send(letter, actor=cases.people["bob"])  # queued; no worker has run yet
    Party.objects.filter(pk=cases.member.pk).update(email_consent=False)
    assert letter_deliver(letter.pk) == LetterStatus.FAILED
    letter.refresh_from_db()
    assert "has not agreed" in letter.send_error
    assert smtp.messages == []
    assert Event.objects.filter(case=case, action="letter.send_failed").exists()
    assert clock(case, "acknowledge").state == ClockState.RUNNING


@pytest.mark.django_db
def test_an_unreachable_mail_server_fails_the_send_and_it_can_be_sent_again(
    cases, smtp, settings, django_capture_on_commit_callbacks
):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    case = recent_appeal(cases)
    Case.objects.filter(pk=case.pk).update(owner=cases.people["alice"])
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        letter_send(letter, actor=cases.people["bob"])
    letter.refresh_from_db()
    assert letter.status == LetterStatus.FAILED
    assert "ConnectionRefusedError" in letter.send_error
    # the case's analyst is told in words (issue 18), not with the exception's name
    (told,) = Notification.objects.filter(recipient=cases.people["alice"])
    assert told.kind == "letter.send_failed" and "ConnectionRefusedError" not in told.text
    assert "the mail server refused the connection" in told.text
    settings.EMAIL_PORT = working_port
    with django_capture_on_commit_callbacks(execute=True):
        letter_send(letter, actor=cases.people["bob"])
    letter.refresh_from_db()
    assert (letter.status, letter.send_error) == (LetterStatus.SENT, "")
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_send_whose_task_was_lost_may_be_asked_for_again(cases, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    case = recent_appeal(cases)
    letter = letter_generate(case, kind="acknowledgement", actor=None)
    letter_send(letter, actor=cases.people["bob"])
    with pytest.raises(InvalidTransition, match="is being e-mailed"):
        letter_send(letter, actor=cases.people["bob"])
    later = timezone.now() + dt.timedelta(minutes=20)
    assert letter_send(letter, actor=cases.people["bob"], now=later).status == LetterStatus.QUEUED


# -- on paper ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_mailing_the_decision_meets_the_30_day_clock_and_notifies(cases):
    """seed: 'You will also receive notice of the action on your appeal within 30 calendar days.'"""
    case = cases.ump_decided()
    assert case.state == S.DECIDED and clock(case, "decision").state == ClockState.RUNNING
    letter = letter_generate(case, kind="decision", actor=None, now=at("2026-03-13T09:00-07:00"))
    mailed = letter_mark_mailed(
        letter,
        actor=cases.people["bob"],
        at=at("2026-03-13T16:00-07:00"),
        now=at("2026-03-13T16:30-07:00"),
    )
    assert (mailed.status, mailed.mailed_by) == (LetterStatus.MAILED, cases.people["bob"])
    case.refresh_from_db()
    assert case.state == S.NOTIFIED and case.notified_at == at("2026-03-13T16:00-07:00")
    decision = clock(case, "decision")
    assert (decision.state, decision.met_at) == (ClockState.MET, at("2026-03-13T16:00-07:00"))
    with pytest.raises(InvalidTransition, match="already recorded as mailed"):
        letter_mark_mailed(letter, actor=cases.people["bob"], now=at("2026-03-14T09:00-07:00"))


@pytest.mark.django_db
def test_mailing_the_expedited_decision_meets_the_written_notice_started_by_the_decision(cases):
    """seed: '...will mail a written notification within 72 hours of the decision.'"""
    case = cases.ump_expedited_decided()
    written = clock(case, "written_notice")
    assert written.state == ClockState.RUNNING  # started by the decision
    assert written.due_at == at("2026-03-06T16:00-08:00")
    letter = letter_generate(case, kind="decision", actor=None, now=at("2026-03-04T08:00-08:00"))
    letter_mark_mailed(
        letter,
        actor=cases.people["bob"],
        at=at("2026-03-04T10:00-08:00"),
        now=at("2026-03-04T10:05-08:00"),
    )
    assert clock(case, "written_notice").state == ClockState.MET
    assert clock(case, "verbal_notice").state == ClockState.RUNNING  # a phone call, not a letter


@pytest.mark.django_db
def test_mailing_the_genex_final_decision_meets_the_event_started_clock(cases):
    """seed: 'Upon conclusion of the investigation, the party shall be notified of the
    Grievance Committee's final decision in writing within 30 calendar days.'"""
    case = cases.genex_decided()
    notice = clock(case, "decision_notice")
    assert notice.started_at == at("2026-03-25T12:00-07:00")  # started by the investigation's end
    assert notice.due_date == dt.date(2026, 4, 24)
    letter = letter_generate(case, kind="decision", actor=None, now=at("2026-03-27T11:00-07:00"))
    letter_mark_mailed(
        letter,
        actor=cases.people["bob"],
        at=at("2026-03-27T15:00-07:00"),
        now=at("2026-03-27T15:05-07:00"),
    )
    assert clock(case, "decision_notice").state == ClockState.MET
    assert Case.objects.get(pk=case.pk).state == S.NOTIFIED


@pytest.mark.django_db
def test_a_late_mailing_is_recorded_as_late(cases):
    case = cases.genex_grievance()
    letter = letter_generate(
        case, kind="acknowledgement", actor=None, now=at("2026-03-05T09:00-08:00")
    )
    # five business days from Wednesday March 4 end on Wednesday March 11
    letter_mark_mailed(
        letter,
        actor=cases.people["bob"],
        at=at("2026-03-13T09:00-07:00"),
        now=at("2026-03-13T09:05-07:00"),
    )
    acknowledge = clock(case, "acknowledge")
    assert acknowledge.state == ClockState.MISSED and acknowledge.met_at is not None


@pytest.mark.django_db
def test_mailed_times_are_checked(cases):
    case = cases.ump_decided()
    letter = letter_generate(case, kind="decision", actor=None, now=at("2026-03-13T09:00-07:00"))
    with pytest.raises(InvalidInput, match="in the future"):
        letter_mark_mailed(
            letter, actor=None, at=at("2026-03-14T09:00-07:00"), now=at("2026-03-13T10:00-07:00")
        )
    with pytest.raises(InvalidInput, match="cannot have been mailed before"):
        letter_mark_mailed(
            letter, actor=None, at=at("2026-03-12T09:00-07:00"), now=at("2026-03-13T10:00-07:00")
        )
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.GENERATED


@pytest.mark.django_db
def test_other_letters_record_no_notice(cases):
    case = cases.ump_complaint_extended()
    version = case.version
    letter = letter_generate(
        case, kind="extension_notice", actor=None, now=at("2026-03-20T10:00-07:00")
    )
    letter_mark_mailed(
        letter, actor=None, at=at("2026-03-20T15:00-07:00"), now=at("2026-03-20T15:00-07:00")
    )
    assert Case.objects.get(pk=case.pk).version == version
    assert not Event.objects.filter(case=case, action__startswith="notice.").exists()


@pytest.mark.django_db
def test_a_program_whose_clock_starts_at_the_written_notice(tmp_path, monkeypatch, cases, people):
    """SPEC 3: event-started clocks exist from intake as pending and get their due time when
    their event is recorded. A third program (only a pack, and letters written on the desk)
    whose follow-up clock starts when the final decision is mailed."""

    def acme(data):
        data.update(program="acme", name="ACME Health Plan", time_zone="America/New_York")
        data["calendar"]["crosscheck"]["subdiv"] = "NY"
        data["events"]["effectuated"] = "the decision was carried out"
        data["processes"][0]["clocks"].append(
            {
                "id": "effectuate",
                "label": "Carry out the decision",
                "unit": "calendar_days",
                "length": 10,
                "starts": "notified_written",
                "met_by": ["effectuated"],
                "source": {"spec": "3: event-started clocks"},
            }
        )

    write_variant(tmp_path, GENEX, acme, name="acme.yaml")
    monkeypatch.setenv("APPEALDESK_PACK_DIRS", str(tmp_path))
    loader.default_registry.cache_clear()
    try:
        request = {
            "program": "acme",
            "received_at": "2026-03-04T09:00:00-05:00",
            "channel": "mail",
            "filed_by": "member",
            "requested": "grievance",
            "category": "ur_timeliness",
            "occurrence_date": "2026-01-05",
        }
        case = sv.case_receive(
            request=request,
            actor=people["alice"],
            member=cases.member,
            backdate_reason="entered from the mail log",
            now=at("2026-03-04T10:00-05:00"),
        )
        assert clock(case, "effectuate").state == ClockState.PENDING
        assert catalog.template_versions("acme") == {}  # no shipped letters for a new program
        genex_decision = catalog.shipped("genex-ur", "decision")
        catalog.template_save(
            program="acme",
            kind="decision",
            subject=genex_decision.subject,
            body=genex_decision.body.replace("Genex", "ACME"),
            note="first version",
            actor=people["erin"],
        )
        case = sv.case_record_milestone(
            case,
            actor=people["bob"],
            milestone="investigation_concluded",
            at=at("2026-03-20T12:00-04:00"),
            now=at("2026-03-20T12:00-04:00"),
        )
        case = sv.case_decide(
            case,
            actor=people["carol"],
            outcome="upheld",
            decided_at=at("2026-03-23T10:00-04:00"),
            reason="The review was on time.",
            now=at("2026-03-23T10:00-04:00"),
        )
        letter = letter_generate(
            case, kind="decision", actor=None, now=at("2026-03-23T11:00-04:00")
        )
        text = words(pdf_text(letter.document.file.read()))
        assert "ACME Health Plan" in text and "ACME Services Grievance Committee" in text
        letter_mark_mailed(
            letter,
            actor=people["bob"],
            at=at("2026-03-23T15:00-04:00"),
            now=at("2026-03-23T15:00-04:00"),
        )
        effectuate = clock(case, "effectuate")
        assert effectuate.state == ClockState.RUNNING
        assert effectuate.started_at == at("2026-03-23T15:00-04:00")
        assert effectuate.due_date == dt.date(2026, 4, 2)  # the mailing date + 10, New York dates
    finally:
        monkeypatch.delenv("APPEALDESK_PACK_DIRS")
        loader.default_registry.cache_clear()
        packs.forget()
