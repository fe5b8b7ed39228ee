"""Activity notifications and internal notes (issue 18, items 2 and 3): who is told what, in the
transaction of the event; notes with @mentions told only to those who may see the case; the
reviewer's "return to the analyst"; the desk's pages, unread markers, header count and digest.

Personas (tests.desk.conftest): alice intake and bob analyst on the UMP medical team, carol and
dave administrative reviewers on no team, sam the UMP supervisor, olga an analyst of the
pharmacy team (she may not see the medical team's cases)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from appealdesk.activity.digest import digests_send
from appealdesk.activity.notify import failure_words
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import Case, Event, Notification, StaffProfile
from appealdesk.cases.models import State as S

pytestmark = pytest.mark.django_db


def told(user, kind: str | None = None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


@pytest.fixture
def owned(appeal, staff, medical):
    """The appeal owned by bob on the medical team (supervised by sam)."""
    medical.supervisor = staff["sam"]
    medical.save(update_fields=["supervisor"])
    return sv.case_assign(appeal, actor=staff["sam"], owner=staff["bob"], team=medical)


@pytest.fixture
def reviewed(owned, staff):
    """Bob's appeal, assigned to carol for review by bob."""
    return sv.case_assign(owned, actor=staff["bob"], reviewer=staff["carol"])


# -- who is told of what ------------------------------------------------------------------------
def test_an_assignment_tells_the_new_owner_and_the_reviewer_not_the_one_who_assigned(
    owned, reviewed, staff
):
    (owner_note,) = told(staff["bob"], "case.assigned")
    assert owner_note.text == f"sam made you the owner of case {owned.number}."
    assert owner_note.event.action == "case.assigned" and owner_note.case_id == owned.pk
    (review_note,) = told(staff["carol"])
    assert review_note.text == f"bob assigned you case {owned.number} to review."
    assert review_note.event.after["reviewer_id"] == staff["carol"].pk
    # bob assigned the reviewer himself: he is not told of it
    assert len(told(staff["bob"])) == 1
    assert told(staff["sam"]) == []


def test_a_notification_commits_or_rolls_back_with_its_event(owned, staff):
    with pytest.raises(RuntimeError), transaction.atomic():
        sv.case_assign(owned, actor=staff["bob"], reviewer=staff["dave"])
        assert len(told(staff["dave"])) == 1
        raise RuntimeError("the request failed after the change")
    assert told(staff["dave"]) == []
    assert not Event.objects.filter(case=owned, after__reviewer_id=staff["dave"].pk).exists()


def test_information_recorded_by_staff_tells_the_owner_and_reviewer(reviewed, staff):
    sv.case_request_information(reviewed, actor=staff["bob"], items=["eob"])
    sv.case_receive_information(reviewed, actor=staff["alice"], items=["eob"], note="by fax")
    for who in ("bob", "carol"):
        (note,) = told(staff[who], "case.information_received")
        assert note.text == f"alice recorded information received on case {reviewed.number} (eob)."


def test_a_reopened_case_tells_its_owner(owned, staff):
    sv.case_decide(owned, actor=staff["carol"], outcome="upheld")
    sv.case_reopen(owned, actor=staff["sam"], reason="the member sent new records")
    (note,) = told(staff["bob"], "case.reopened")
    assert note.text == f"sam reopened case {owned.number}: “the member sent new records”"


def test_a_failed_letter_is_told_in_words_to_the_analyst_and_the_supervisor(owned, staff):
    # the event correspondence.services.letter_deliver writes when the mail server refuses
    sv._event(
        owned,
        "letter.send_failed",
        actor=staff["alice"],
        at=owned.received_at,
        reason="ConnectionRefusedError: [Errno 111] Connection refused",
        after={"letter": 1, "kind": "acknowledgement", "to": "pat@example.org"},
    )
    for who in ("bob", "sam"):
        (note,) = told(staff[who], "letter.send_failed")
        assert note.text == (
            f"The acknowledgement letter of case {owned.number} could not be e-mailed to "
            "pat@example.org: the mail server refused the connection (is it running?). Send it "
            "again or mail it."
        )
        assert "ConnectionRefusedError" not in note.text


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("TimeoutError: timed out", "the mail server did not answer in time"),
        ("SMTPRecipientsRefused: {'x@y': (550, b'no')}", "the mail server refused the address"),
        ("the member has not agreed to e-mail", "the member has not agreed to e-mail"),
        ('ValueError: Invalid address "a b"', 'Invalid address "a b"'),
    ],
)
def test_send_errors_in_words(error, words):
    assert failure_words(error) == words


# -- notes and mentions -------------------------------------------------------------------------
def test_mentions_are_usernames_after_an_at_sign_not_e_mail_addresses():
    text = "@bob please check; cc @sam. Not bob@example.org, and @bob again."
    assert sv.mentioned_names(text) == ["bob", "sam"]


def test_a_note_tells_those_it_mentions_who_may_see_the_case(owned, staff):
    event = sv.case_note_add(
        owned, actor=staff["alice"], text="@bob the EOB came in. @olga @nobody FYI. @alice"
    )
    assert event.action == "case.note_added" and event.reason.startswith("@bob the EOB")
    assert event.after["mentioned"] == ["bob"]
    assert event.after["not_told"] == ["olga", "nobody"]  # alice's own name is no mention
    (note,) = told(staff["bob"], "case.note_added")
    assert note.text.startswith(f"alice mentioned you in a note on case {owned.number}: “@bob")
    # olga works the pharmacy team: she may not see this case, so she is never told of it
    assert told(staff["olga"]) == []


def test_a_note_does_not_change_the_case_nor_stale_an_open_form(owned, staff):
    version = Case.objects.get(pk=owned.pk).version
    sv.case_note_add(owned, actor=staff["bob"], text="called the member")
    assert Case.objects.get(pk=owned.pk).version == version
    sv.case_assign(owned, actor=staff["bob"], reviewer=staff["carol"], expected_version=version)


def test_an_empty_or_overlong_note_is_refused(owned, staff):
    with pytest.raises(InvalidInput, match="write the note"):
        sv.case_note_add(owned, actor=staff["bob"], text="   ")
    with pytest.raises(InvalidInput, match="at most 5000"):
        sv.case_note_add(owned, actor=staff["bob"], text="x" * 5001)


# -- return to the analyst ---------------------------------------------------------------------
def test_the_reviewer_returns_the_case_to_the_analyst_with_a_reason(reviewed, staff):
    case = sv.case_return_to_analyst(
        reviewed, actor=staff["carol"], reason="the EOB for the March visit is missing"
    )
    assert case.reviewer is None and case.state == S.IN_REVIEW and case.owner == staff["bob"]
    event = Event.objects.filter(case=case).latest("id")
    assert event.action == "case.returned" and event.before["reviewer"] == "carol"
    (note,) = told(staff["bob"], "case.returned")
    assert note.text == (
        f"carol returned case {case.number} to you: “the EOB for the March visit is missing”"
    )
    # the analyst assigns a reviewer again when the file is ready
    sv.case_assign(case, actor=staff["bob"], reviewer=staff["carol"])
    assert Case.objects.get(pk=case.pk).reviewer == staff["carol"]


def test_return_needs_a_reason_a_reviewer_an_owner_and_an_undecided_case(appeal, reviewed, staff):
    with pytest.raises(InvalidInput, match="say why"):
        sv.case_return_to_analyst(reviewed, actor=staff["carol"], reason=" ")
    with pytest.raises(InvalidTransition, match="no reviewer"):
        sv.case_return_to_analyst(
            sv.case_assign(reviewed, actor=staff["bob"], reviewer=None),
            actor=staff["carol"],
            reason="x",
        )
    unowned = sv.case_assign(reviewed, actor=staff["sam"], reviewer=staff["carol"], owner=None)
    with pytest.raises(Refused, match="no owner to return it to"):
        sv.case_return_to_analyst(unowned, actor=staff["carol"], reason="x")
    decided = sv.case_decide(
        sv.case_assign(unowned, actor=staff["sam"], owner=staff["bob"]),
        actor=staff["carol"],
        outcome="upheld",
    )
    with pytest.raises(InvalidTransition, match="only a case waiting for its decision"):
        sv.case_return_to_analyst(decided, actor=staff["carol"], reason="x")


# -- the desk --------------------------------------------------------------------------------------
def test_the_note_form_adds_a_note_and_says_who_was_told(client, owned, staff):
    client.force_login(staff["alice"])
    page = client.get(f"/desk/cases/{owned.number}/").content.decode()
    assert 'id="notes-h"' in page and "No notes yet." in page
    response = client.post(
        f"/desk/cases/{owned.number}/note/",
        {"note-version": owned.version, "note-text": "@bob member called, @olga see this"},
        follow=True,
    )
    page = response.content.decode()
    assert "Note added. Told: bob." in page and "Not told" in page and "olga" in page
    assert "member called" in page
    assert len(told(staff["bob"])) == 2 and told(staff["olga"]) == []


def test_only_the_assigned_reviewer_or_a_supervisor_returns_a_case(client, reviewed, staff):
    url = f"/desk/cases/{reviewed.number}/return_to_analyst/"
    data = {"return_to_analyst-version": reviewed.version, "return_to_analyst-reason": "why"}
    client.force_login(staff["dave"])  # a reviewer, not this case's: he cannot see it at all
    assert client.post(url, data).status_code == 404
    client.force_login(staff["bob"])  # the analyst: not a reviewer's action
    assert client.post(url, data).status_code == 403
    client.force_login(staff["carol"])
    page = client.get(f"/desk/cases/{reviewed.number}/").content.decode()
    assert "Return to the analyst" in page
    response = client.post(url, data)
    assert response.status_code == 302
    assert Case.objects.get(pk=reviewed.pk).reviewer is None


def test_an_assignment_shows_in_the_header_worklist_and_page_until_read(client, owned, staff):
    sv.case_assign(owned, actor=staff["bob"], reviewer=staff["carol"])
    client.force_login(staff["carol"])
    page = client.get("/desk/?tab=review").content.decode()
    assert 'aria-label="1 unread"' in page and 'class="badge unread"' in page
    page = client.get("/desk/notifications/").content.decode()
    assert f"bob assigned you case {owned.number} to review." in page
    page = client.get("/desk/?tab=review").content.decode()
    assert 'aria-label="1 unread"' not in page and 'class="badge unread"' not in page


def test_opening_the_case_reads_its_notifications(client, owned, staff):
    client.force_login(staff["bob"])
    assert 'class="badge unread"' in client.get("/desk/?tab=mine").content.decode()
    client.get(f"/desk/cases/{owned.number}/")
    assert Notification.objects.filter(recipient=staff["bob"], read_at=None).count() == 0
    assert 'class="badge unread"' not in client.get("/desk/?tab=mine").content.decode()


def test_the_packet_has_the_notes_only_when_chosen(client, owned, staff, settings):
    pypdf = pytest.importorskip("pypdf")
    import io

    sv.case_note_add(owned, actor=staff["bob"], text="internal: member is litigious")
    client.force_login(staff["bob"])

    def text(url: str) -> str:
        pdf = pypdf.PdfReader(io.BytesIO(client.get(url).content))
        return " ".join(p.extract_text() for p in pdf.pages)

    assert "litigious" not in text(f"/desk/cases/{owned.number}/packet/")
    assert "litigious" in text(f"/desk/cases/{owned.number}/packet/?notes=1")


# -- the cost: one indexed query for the header, one for a worklist page's markers -------------
def _notification_queries(client, url: str) -> list[str]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "cases_notification" in q["sql"]]


def test_the_header_count_and_the_unread_markers_are_one_query_each(client, staff, receive):
    def fill(n: int) -> None:
        for _ in range(n):
            sv.case_assign(receive(), actor=staff["sam"], owner=staff["bob"])

    client.force_login(staff["bob"])
    fill(2)
    few = _notification_queries(client, "/desk/?tab=mine")
    fill(25)
    many = _notification_queries(client, "/desk/?tab=mine")
    assert len(few) == len(many) == 2, many  # the header's count, the page's markers
    assert len(_notification_queries(client, "/desk/search/?q=zzz")) == 1  # the header's count


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan words")
def test_the_unread_reads_use_the_unread_index(staff, owned):
    from appealdesk.activity.selectors import unread

    for query in (unread(staff["bob"]), unread(staff["bob"]).filter(case_id__in=[owned.pk])):
        sql, params = query.values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "notification_unread" in plan, plan


# -- the digest ---------------------------------------------------------------------------------
def test_the_digest_is_chosen_on_the_page_and_sent_once_a_day_without_words(
    client, owned, staff, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sv.case_note_add(owned, actor=staff["alice"], text="@bob the member's diagnosis is private")
    client.force_login(staff["bob"])
    assert "Send me a daily digest" in client.get("/desk/notifications/").content.decode()
    client.post("/desk/notifications/digest/", {"digest": "on"})
    assert StaffProfile.objects.get(user=staff["bob"]).digest
    Notification.objects.filter(recipient=staff["bob"]).update(read_at=None)

    now = owned.received_at + dt.timedelta(hours=2)
    assert digests_send(now=now) == 1
    (message,) = mail.outbox
    assert message.to == ["bob@example.org"]
    assert f"{owned.number}: you were mentioned in a note" in message.body
    assert f"{owned.number}: assigned to you" in message.body
    assert "diagnosis" not in message.body  # a note's words stay on the desk
    assert digests_send(now=now + dt.timedelta(hours=1)) == 0  # once a day at most
    # a day later, nothing new unread and unsent: no e-mail
    assert digests_send(now=now + dt.timedelta(days=1, minutes=1)) == 0
    assert len(mail.outbox) == 1
    client.post("/desk/notifications/digest/", {"digest": "off"})
    assert not StaffProfile.objects.get(user=staff["bob"]).digest


def test_the_workers_rounds_go_on_after_a_failure(caplog):
    """`repeat` runs the digests' round (and the sweep's) beside the worker: a round that raises
    is logged, and the next one runs."""
    import logging
    import threading

    from appealdesk.cases.sweeper import repeat

    calls: list[int] = []
    third = threading.Event()

    def work() -> None:
        calls.append(1)
        if len(calls) >= 3:
            third.set()
        if len(calls) == 1:
            raise RuntimeError("the mail server is down")

    stop = repeat("test-round", 0.01, work, logging.getLogger("test.round"))
    try:
        assert third.wait(5)
    finally:
        stop.set()
    assert "test-round failed" in caplog.text


def test_an_empty_note_is_refused_beside_its_form(client, owned, staff):
    client.force_login(staff["bob"])
    response = client.post(
        f"/desk/cases/{owned.number}/note/", {"note-version": owned.version, "note-text": " "}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="note-form"' in page and "This field is required." in page
    assert not Event.objects.filter(case=owned, action="case.note_added").exists()
