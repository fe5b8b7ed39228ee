"""The mailroom on the desk: the queue and item page per role, the access log, the sandboxed
viewer, each action through its mailroom service, intake from an item (the receipt instant is
the item's, to the second), and the batch upload of scans."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.cases.models import Case, Document, Team
from appealdesk.cases.services import case_request_information
from appealdesk.demo.mail import text_pdf
from appealdesk.desk.mailroom_reads import STATE_FILTERS
from appealdesk.mailroom import services as ms
from appealdesk.mailroom.models import Item, ItemEvent, ItemState, Refusal
from appealdesk.mailroom.reader import item_read
from tests.desk.conftest import make_user

pytestmark = pytest.mark.django_db

UMP_FAX = "+1 877 663 7526"  # a UMP handler's fax number in the seed pack


def fax(lines, *, hours_ago=30.0, pages=1, sender="+15035550100", to=UMP_FAX, read=True):
    received = (timezone.now() - dt.timedelta(hours=hours_ago)).replace(microsecond=0)
    raw = text_pdf([[*lines, f"page {n + 1} of {pages}"] for n in range(pages)])
    item = ms.item_store(
        source="fax",
        raw=raw,
        received_at=received,
        received_basis="fax service received_at",
        source_id=f"fax-{received.timestamp()}-{lines[0][:20]}",
        sender=sender,
        addressed_to=to,
        name="fax.pdf",
    ).item
    if read:
        item_read(item.pk)
    return Item.objects.get(pk=item.pk)


APPEAL = [
    "To: UMP Appeals. I appeal the denial of payment of my claim for the MRI",
    "of my knee on January 5. Member ID W1234567, Pat Doe.",
]


@pytest.fixture
def genex_user(db):
    team = Team.objects.create(name="Genex UR", program="genex-ur", handler="genex")
    return make_user("gina", "analyst", teams=[team])


def test_who_may_use_the_mailroom(client, staff):
    for name, code in (("alice", 200), ("bob", 200), ("sam", 200), ("root", 200), ("carol", 403)):
        client.force_login(staff[name])
        assert client.get("/desk/mailroom/").status_code == code, name
    client.force_login(staff["alice"])
    assert 'id="mailroom-link"' in client.get("/desk/").content.decode()
    client.force_login(staff["carol"])
    assert 'id="mailroom-link"' not in client.get("/desk/").content.decode()


def test_the_queue_urgent_first_then_oldest_with_the_clock_running(client, staff, member):
    older = fax(APPEAL, hours_ago=50)
    newer = fax(
        ["Grievance: the customer service line kept me on hold.", "Pat Doe W1234567"] * 2,
        hours_ago=5,
    )
    urgent = fax(
        [
            "EXPEDITED appeal, urgent: the member needs surgery this week.",
            "Denied prior authorization, member ID W1234567",
        ],
        hours_ago=1,
    )
    assert urgent.urgent, urgent.proposal_summary
    client.force_login(staff["alice"])
    before = AccessLog.objects.count()
    page = client.get("/desk/mailroom/").content.decode()
    assert AccessLog.objects.count() == before + 1  # one row per page view
    row = AccessLog.objects.first()
    assert row.what == "mailroom queue" and row.allowed and row.username == "alice"
    matched = {i.proposal["matched"].get("member_id") for i in (older, newer, urgent)}
    assert matched - {None} and row.member_ids == sorted(matched - {None})
    positions = [page.index(f'href="/desk/mailroom/{i.pk}/"') for i in (urgent, older, newer)]
    assert positions == sorted(positions)
    assert re.search(r"due in \d+ hours?", page) or "overdue by" in page
    assert "fax" in page and "+15035550100" in page


def test_the_queue_filters_and_pages_by_keyset(client, staff):
    items = [
        fax(
            [f"Appeal number {n}: please review the denied claim for member W1234567"],
            hours_ago=100 - n,
        )
        for n in range(5)
    ]
    client.force_login(staff["bob"])

    url = "/desk/mailroom/?source=fax"
    from appealdesk.desk.mailroom_reads import queue

    first = queue(staff["bob"], source="fax", limit=2)
    assert [r.item.pk for r in first.rows] == [items[0].pk, items[1].pk]
    second = queue(staff["bob"], source="fax", limit=2, after=first.next_cursor)
    assert [r.item.pk for r in second.rows] == [items[2].pk, items[3].pk]
    page = client.get(url).content.decode()
    seen = re.findall(r'href="/desk/mailroom/(\d+)/"', page)
    assert len(seen) == 5
    assert "Nothing waiting" in client.get("/desk/mailroom/?source=email").content.decode()
    assert client.get("/desk/mailroom/?state=bogus").status_code == 302
    assert set(STATE_FILTERS) == {"waiting", *ItemState.values}


def test_the_queue_costs_the_same_queries_for_3_or_25_items(
    client, staff, django_assert_max_num_queries
):
    for n in range(3):
        fax([f"Appeal {n}: the denied claim for member W1234567 must be paid"], read=False)
    client.force_login(staff["alice"])
    client.get("/desk/mailroom/")  # warm the session and pack caches
    with django_assert_max_num_queries(14) as few:
        client.get("/desk/mailroom/")
    for n in range(22):
        fax([f"Appeal {n + 3}: another denied claim for member W1234567"], read=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/desk/mailroom/").content.decode()
    assert len(re.findall(r'href="/desk/mailroom/(\d+)/"', page)) == 25


def test_an_item_of_another_program_is_404_and_the_refusal_logged(client, staff, genex_user):
    item = fax(APPEAL)
    assert item.program == "ump"
    client.force_login(genex_user)
    assert client.get(f"/desk/mailroom/{item.pk}/").status_code == 404
    refused = AccessLog.objects.first()
    assert refused.allowed is False and refused.case_number == f"mailroom item {item.pk}"
    assert f'href="/desk/mailroom/{item.pk}/"' not in client.get("/desk/mailroom/").content.decode()
    part = item.parts.get()
    assert client.get(f"/desk/mailroom/{item.pk}/documents/{part.pk}/").status_code == 404
    assert (
        client.post(
            f"/desk/mailroom/{item.pk}/not_a_request/",
            {"not_a_request-version": item.version, "not_a_request-reason": "spam"},
        ).status_code
        == 404
    )
    assert Item.objects.get(pk=item.pk).state != "done"


def test_the_item_page_shows_document_text_and_proposal_and_is_logged(client, staff, member):
    item = fax(APPEAL)
    client.force_login(staff["alice"])
    page = client.get(f"/desk/mailroom/{item.pk}/").content.decode()
    assert "I appeal the denial of payment" in page
    assert "<iframe sandbox=" in page and "What reading found" in page
    assert item.proposal_summary[:30] in page.replace("&#x27;", "'")
    row = AccessLog.objects.first()
    assert row.what == "mailroom item" and row.case_number == f"mailroom item {item.pk}"
    assert row.member_ids == ([member.pk] if item.proposal["matched"].get("member_id") else [])
    part = item.parts.get()
    viewer = client.get(f"/desk/mailroom/{item.pk}/documents/{part.pk}/view/")
    assert viewer["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in viewer["Content-Security-Policy"]
    assert "script-src" not in viewer["Content-Security-Policy"]
    assert viewer["X-Frame-Options"] == "SAMEORIGIN"
    image = client.get(f"/desk/mailroom/{item.pk}/documents/{part.pk}/pages/1.png")
    assert image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert image["Content-Security-Policy"] == "default-src 'none'; sandbox"
    original = client.get(f"/desk/mailroom/{item.pk}/documents/{part.pk}/")
    assert original["Content-Disposition"].startswith("attachment")
    assert b"".join(original.streaming_content)[:5] == b"%PDF-"
    assert AccessLog.objects.filter(what="mailroom document").count() == 2


def test_open_as_a_new_case_keeps_the_fax_receipt_instant(client, staff):
    item = fax(APPEAL, hours_ago=30)
    item.received_at = item.received_at.replace(second=37)
    client.force_login(staff["alice"])
    form = client.get(f"/desk/intake/?item={item.pk}&program=ump").content.decode()
    assert 'name="item"' in form and "From the mailroom" in form
    assert "I appeal the denial of payment" in form  # the text, prefilled
    assert 'value="fax" selected' in form or '<option value="fax" selected' in form
    fresh = Item.objects.get(pk=item.pk)
    data = {
        "program": "ump",
        "item": item.pk,
        "item_version": fresh.version,
        "channel": "fax",
        "received_at": "2020-01-01T00:00",  # typed over: ignored, the item's instant stands
        "backdate_reason": "faxed yesterday, opened today",
        "filed_by": "member",
        "requested": "appeal",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": (timezone.localdate() - dt.timedelta(days=20)).isoformat(),
        "member_name": "Pat Doe",
        "subscriber_id": "W1234567",
        "text": fresh.text,
        "confirm": "1",
    }
    response = client.post("/desk/intake/?program=ump", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.received_at == fresh.received_at
    done = Item.objects.get(pk=item.pk)
    assert done.state == "done" and done.outcome == "opened_as_case" and done.case == case
    assert Document.objects.filter(case=case, sha256=item.parts.get().sha256).exists()
    # the same item again: refused with words, no second case
    again = client.post("/desk/intake/?program=ump", {**data, "item_version": done.version})
    assert again.status_code == 422 and "already done" in again.content.decode()
    assert Case.objects.count() == 1


def test_attach_records_information_received_and_resumes(client, staff, appeal):
    case_request_information(
        appeal, actor=staff["bob"], items=["medical_records"], note="send the records"
    )
    case = Case.objects.get(pk=appeal.pk)
    assert case.state == "awaiting_information"
    item = fax(
        [f"Re: {case.number}. Here are the medical records you asked for.", "Member ID W1234567"],
        hours_ago=2,
    )
    client.force_login(staff["alice"])
    page = client.get(f"/desk/mailroom/{item.pk}/").content.decode()
    assert f'value="{case.number}"' in page  # the matched case proposed
    response = client.post(
        f"/desk/mailroom/{item.pk}/attach/",
        {
            "attach-version": item.version,
            "attach-case_number": case.number.lower(),
            "attach-items": ["medical_records"],
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/desk/cases/{case.number}/"
    case.refresh_from_db()
    assert case.state == "in_review"
    done = Item.objects.get(pk=item.pk)
    assert done.outcome == "attached" and done.case_id == case.pk
    assert case.information_requests.get().received_at == item.received_at


def test_attach_to_a_case_the_user_may_not_see_is_refused(client, staff, appeal, genex_user):
    item = fax(["Information for some case, member W1234567, records enclosed"], to="")
    client.force_login(genex_user)
    response = client.post(
        f"/desk/mailroom/{item.pk}/attach/",
        {"attach-version": item.version, "attach-case_number": appeal.number},
    )
    assert response.status_code == 422
    assert f"No case {appeal.number} among the cases you may see" in response.content.decode()
    assert AccessLog.objects.filter(case_number=appeal.number, allowed=False).exists()
    assert Item.objects.get(pk=item.pk).state != "done"


def test_split_by_page_ranges(client, staff):
    item = fax(APPEAL, pages=3)
    client.force_login(staff["bob"])
    bad = client.post(
        f"/desk/mailroom/{item.pk}/split/",
        {"split-version": item.version, "split-ranges": "1-2, 2-3"},
    )
    assert bad.status_code == 422 and "overlap" in bad.content.decode()
    typo = client.post(
        f"/desk/mailroom/{item.pk}/split/",
        {"split-version": item.version, "split-ranges": "one to two"},
    )
    assert typo.status_code == 422 and "is not a page range" in typo.content.decode()
    response = client.post(
        f"/desk/mailroom/{item.pk}/split/",
        {"split-version": item.version, "split-ranges": "1, 2-3"},
    )
    assert response.status_code == 302
    children = list(Item.objects.filter(parent=item).order_by("id"))
    assert [c.page_range for c in children] == ["1-1", "2-3"]
    assert Item.objects.get(pk=item.pk).outcome == "split"


def test_not_a_request_needs_a_reason_and_keeps_the_item(client, staff):
    item = fax(["Dear pharmacy, please refill my prescription for lisinopril, thanks"])
    client.force_login(staff["alice"])
    refused = client.post(
        f"/desk/mailroom/{item.pk}/not_a_request/",
        {"not_a_request-version": item.version, "not_a_request-reason": "other"},
    )
    assert refused.status_code == 422 and "say why it is not a request" in refused.content.decode()
    done = client.post(
        f"/desk/mailroom/{item.pk}/not_a_request/",
        {
            "not_a_request-version": item.version,
            "not_a_request-reason": "misdirected",
            "not_a_request-note": "meant for the pharmacy",
        },
    )
    assert done.status_code == 302
    kept = Item.objects.get(pk=item.pk)
    assert kept.outcome == "not_a_request" and kept.outcome_reason == "misdirected"
    assert ItemEvent.objects.filter(item=kept, action="item.not_a_request").exists()


def test_a_second_clerk_on_the_same_fax_is_told(client, staff):
    item = fax(APPEAL)
    seen = item.version
    ms.item_not_a_request(item, reason="spam", actor=staff["bob"])
    client.force_login(staff["alice"])
    response = client.post(
        f"/desk/mailroom/{item.pk}/not_a_request/",
        {"not_a_request-version": seen, "not_a_request-reason": "duplicate"},
    )
    assert response.status_code == 422
    assert "was changed by bob" in response.content.decode()
    assert Item.objects.get(pk=item.pk).outcome_reason == "spam"


def test_a_batch_of_scans_with_the_date_stamp(client, staff):
    client.force_login(staff["alice"])
    stamp = timezone.localdate() - dt.timedelta(days=3)
    one = SimpleUploadedFile("letter-1.pdf", text_pdf([["Grievance letter one, W1234567"]]))
    two = SimpleUploadedFile("letter-2.pdf", text_pdf([["Appeal letter two, W1234567"]]))
    junk = SimpleUploadedFile("notes.txt", b"just some text")
    response = client.post(
        "/desk/mailroom/scans/",
        {"program": "ump", "stamped_on": stamp.isoformat(), "files": [one, two, junk]},
    )
    assert response.status_code == 302
    items = list(Item.objects.filter(source="scan"))
    assert len(items) == 2
    assert {
        timezone.localtime(i.received_at, timezone=dt.timezone(dt.timedelta(hours=-8))).date()
        for i in items
    } == {stamp}
    assert Refusal.objects.filter(code="not_a_scan").count() == 1
    messages = client.get("/desk/mailroom/").content.decode()
    assert "notes.txt refused" in messages
    future = client.post(
        "/desk/mailroom/scans/",
        {
            "program": "ump",
            "stamped_on": (stamp + dt.timedelta(days=30)).isoformat(),
            "files": [SimpleUploadedFile("x.pdf", text_pdf([["x"]]))],
        },
    )
    assert future.status_code == 422 and "in the future" in future.content.decode()
    assert (
        client.post(
            "/desk/mailroom/scans/", {"program": "ump", "stamped_on": stamp.isoformat()}
        ).status_code
        == 422
    )


def test_a_filing_window_without_its_start_date_is_not_called_too_late(client, staff):
    # a fax names no notice date: assess cannot tell the last day (timely is None)
    item = fax(APPEAL)
    assert item.proposal["assessment"]["filing"]["timely"] is None
    client.force_login(staff["alice"])
    page = client.get(f"/desk/mailroom/{item.pk}/").content.decode()
    assert "Not known yet: the last day to file counts from a date not given (" in page
    assert "Too late" not in page


def test_a_letter_matched_by_name_and_date_of_birth_or_marked_for_review(client, staff):
    from appealdesk.cases.models import Party

    ana = Party.objects.create(role="member", name="Ana Ruiz", birth_date=dt.date(1960, 1, 2))
    letter = ["To UMP Appeals: I appeal the denial of my claim.", "Ana Ruiz, DOB 01/02/1960"]
    item = fax(letter)
    client.force_login(staff["alice"])
    page = client.get(f"/desk/mailroom/{item.pk}/").content.decode()
    assert "Ana Ruiz" in page and "(by name and date of birth)" in page
    assert 'id="member-review"' not in page
    form = client.get(f"/desk/intake/?item={item.pk}&program=ump").content.decode()
    assert f'value="{ana.pk}" checked' in form
    # a second Ana Ruiz born the same day: no member chosen, a person decides
    Party.objects.create(role="member", name="Ana Ruiz", birth_date=dt.date(1960, 1, 2))
    unsure = fax(["Again: " + letter[0], letter[1]], hours_ago=20)
    assert unsure.proposal["matched"]["member_id"] is None
    assert "member to choose" in unsure.proposal_summary
    page = client.get(f"/desk/mailroom/{unsure.pk}/").content.decode()
    assert 'id="member-review"' in page and "2 members fit the name and date of birth" in page
    form = client.get(f"/desk/intake/?item={unsure.pk}&program=ump").content.decode()
    assert "check the member" in form and 'name="member" value=' not in form
    assert 'name="member_birth_date" value="1960-01-02"' in form  # the date read, to check


def test_an_emails_whole_message_downloads_as_received(client, staff, settings):
    from email.message import EmailMessage

    settings.MAILROOM_MAX_ATTACHMENTS = 2
    message = EmailMessage()
    message["From"] = "Ana Ruiz <ana@example.org>"
    message["To"] = "appeals@plan.example"
    message["Subject"] = "records"
    message["Message-ID"] = "<many@example.org>"
    message.set_content("three files")
    for n in range(3):
        message.add_attachment(
            b"%PDF-1.4 x", maintype="application", subtype="pdf", filename=f"{n}.pdf"
        )
    raw = message.as_bytes()
    item = ms.item_store(
        source="email",
        raw=raw,
        received_at=timezone.now() - dt.timedelta(hours=1),
        received_basis="test",
        source_id="many@example.org",
        declared_type="message/rfc822",
    ).item
    item_read(item.pk)
    client.force_login(staff["alice"])
    page = client.get(f"/desk/mailroom/{item.pk}/").content.decode()
    assert "3 attachments, more than the 2" in page and 'id="message-as-received"' in page
    answer = client.get(f"/desk/mailroom/{item.pk}/message.eml")
    assert answer.status_code == 200 and answer.content == raw
    assert answer["Content-Type"] == "message/rfc822"
    assert answer["Content-Disposition"] == f'attachment; filename="item-{item.pk}.eml"'
    assert "sandbox" in answer["Content-Security-Policy"]
    assert AccessLog.objects.filter(what="mailroom message as received", allowed=True).exists()
    faxed = fax(APPEAL)
    assert client.get(f"/desk/mailroom/{faxed.pk}/message.eml").status_code == 404
    client.force_login(staff["carol"])  # not a mailroom role
    assert client.get(f"/desk/mailroom/{item.pk}/message.eml").status_code == 403
