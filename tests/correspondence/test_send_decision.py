"""Send the decision in one action (issue 18, item 5): the task makes the letter, e-mails it to a
member who agreed to e-mail (the notice recorded in the send's transaction) or leaves it to be
printed; a refused e-mail lands in the supervisors' letters queue, from which it is sent again
or recorded as mailed. The desk's progress partial and the queue page, with their query
counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidTransition
from appealdesk.cases.models import ClockState, Event, Notification, Party
from appealdesk.cases.models import State as S
from appealdesk.correspondence.models import JobStatus, Letter, LetterJob, LetterStatus
from appealdesk.correspondence.send import decision_send, letter_job_run


def decided(case, staff):
    """The case decided by carol now (upheld: the denial stands)."""
    return sv.case_decide(
        case,
        actor=staff["carol"],
        outcome="upheld",
        action="deny",
        reason="The plan covers one routine eye exam a year; this was the second.",
    )


def _send(staff, case, capture, **kwargs):
    with capture(execute=True):
        return decision_send(case, actor=staff["sam"], **kwargs)


@pytest.mark.django_db
def test_one_action_makes_emails_and_records_the_decision_notice(
    staff, appeal, smtp, django_capture_on_commit_callbacks
):
    case = decided(appeal, staff)
    assert case.state == S.DECIDED
    job = _send(staff, case, django_capture_on_commit_callbacks, note="Call us with questions.")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.letter is not None
    letter = job.letter
    assert (letter.kind, letter.status, letter.note) == (
        "decision",
        LetterStatus.SENT,
        "Call us with questions.",
    )
    assert [m[1] for m in smtp.messages] == [["pat.doe@example.org"]]
    case.refresh_from_db()
    assert case.state == S.NOTIFIED
    assert case.clocks.get(clock_id="decision").state == ClockState.MET
    actions = list(Event.objects.filter(case=case).values_list("action", flat=True))
    start = actions.index("letter.send_decision_requested")
    assert actions[start : start + 4] == [
        "letter.send_decision_requested",
        "letter.generated",
        "letter.send_requested",
        "letter.sent",
    ]


@pytest.mark.django_db
def test_without_consent_the_letter_waits_to_be_printed(
    staff, appeal, smtp, django_capture_on_commit_callbacks
):
    Party.objects.filter(pk=appeal.member_id).update(email_consent=False)
    case = decided(appeal, staff)
    job = _send(staff, case, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.letter.status == LetterStatus.GENERATED
    assert smtp.messages == []
    case.refresh_from_db()
    assert case.state == S.DECIDED  # no notice until it is mailed


@pytest.mark.django_db
def test_a_refused_email_fails_in_words_notifies_and_is_queued(
    staff, appeal, smtp, django_capture_on_commit_callbacks
):
    smtp.refuse.add("pat.doe@example.org")  # 550 for the member's address
    case = sv.case_assign(
        appeal, actor=staff["sam"], owner=staff["bob"], expected_version=appeal.version
    )
    case = decided(case, staff)
    job = _send(staff, case, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    letter = job.letter
    assert letter.status == LetterStatus.FAILED
    assert letter.send_error.startswith("SMTPRecipientsRefused")
    told = Notification.objects.filter(case=case, event__action="letter.send_failed")
    assert "the mail server refused the address" in told.get(recipient=staff["bob"]).text

    client = Client()
    client.force_login(staff["sam"])
    page = client.get(reverse("desk:letter_queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and "The mail server refused the address." in html
    # recorded as printed and mailed from the queue: the notice is recorded with it
    done = client.post(reverse("desk:queue_mailed", args=[letter.pk]), {"at": ""})
    assert done.status_code == 302
    letter.refresh_from_db()
    case.refresh_from_db()
    assert letter.status == LetterStatus.MAILED and case.state == S.NOTIFIED


@pytest.mark.django_db
def test_the_queue_is_for_supervisors(staff):
    client = Client()
    client.force_login(staff["bob"])
    assert client.get(reverse("desk:letter_queue")).status_code == 403


@pytest.mark.django_db
def test_refused_before_the_decision_and_while_one_is_running(staff, appeal):
    with pytest.raises(InvalidTransition, match="record the decision first"):
        decision_send(appeal, actor=staff["sam"])
    case = decided(appeal, staff)
    decision_send(case, actor=staff["sam"])  # its task is not run here
    with pytest.raises(InvalidTransition, match="is being made"):
        decision_send(case, actor=staff["sam"])


@pytest.mark.django_db
def test_a_job_runs_once(staff, appeal, smtp):
    case = decided(appeal, staff)
    job = decision_send(case, actor=staff["sam"])
    assert letter_job_run(job.pk) == LetterStatus.SENT
    assert letter_job_run(job.pk) == "not queued"
    assert Letter.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_progress_is_polled_until_done(staff, appeal):
    case = decided(appeal, staff)
    client = Client()
    client.force_login(staff["sam"])
    answer = client.post(
        reverse("desk:send_decision", args=[case.number]),
        {"version": case.version},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    job = LetterJob.objects.get(case=case)
    html = answer.content.decode()
    assert 'hx-trigger="every 1s"' in html and "Waiting for the letter worker" in html
    url = reverse("desk:letter_job", args=[case.number, job.pk])
    with CaptureQueriesContext(connection) as queries:
        polled = client.get(url)
    assert polled.status_code == 200 and "Waiting for the letter worker" in polled.content.decode()
    polling_queries = len(queries)
    LetterJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="no template")
    done = client.get(url).content.decode()
    assert "could not be made: no template" in done and "every 1s" not in done
    assert polling_queries <= 12, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_a_letter_that_cannot_be_made_fails_the_job_in_words_and_tells_the_owner(
    staff, appeal, monkeypatch
):
    case = sv.case_assign(
        appeal, actor=staff["sam"], owner=staff["bob"], expected_version=appeal.version
    )
    case = decided(case, staff)
    job = decision_send(case, actor=staff["sam"])

    def broken(html):
        raise OSError("font file missing")

    monkeypatch.setattr("appealdesk.correspondence.services.pdf_of", broken)
    assert letter_job_run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "font file missing" in job.error
    event = Event.objects.get(case=case, action="letter.generate_failed")
    told = Notification.objects.get(event=event, recipient=staff["bob"])
    assert "could not be made: OSError: font file missing" in told.text
