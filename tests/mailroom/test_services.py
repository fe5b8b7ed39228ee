"""Storing items (once, whatever arrives twice) and the desk's actions on them, each with its
event."""

from __future__ import annotations

import datetime as dt

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Document, Event
from appealdesk.mailroom import services as ms
from appealdesk.mailroom import storage
from appealdesk.mailroom.errors import InvalidInput, InvalidTransition, StaleItem
from appealdesk.mailroom.models import Item, ItemEvent, Refusal
from tests.mailroom.conftest import NOW
from tests.mailroom.pages import pdf_of

RECEIVED = dt.datetime(2026, 3, 2, 17, 5, tzinfo=dt.UTC)


def fax(raw: bytes, *, fax_id: str = "fax-1", **fields):
    return ms.item_store(
        source="fax",
        raw=raw,
        received_at=RECEIVED,
        received_basis="fax service received_at",
        source_id=fax_id,
        sender="+15035550100",
        addressed_to="+18776637526",
        name="fax.pdf",
        now=NOW,
        **fields,
    )


def actions(item):
    return list(ItemEvent.objects.filter(item=item).values_list("action", flat=True))


@pytest.mark.django_db
def test_an_item_is_stored_with_its_bytes_part_and_event():
    raw = pdf_of([["APPEAL"]])
    stored = fax(raw)
    item = stored.item
    assert stored.created and item.state == "new" and item.received_at == RECEIVED
    assert item.raw.read() == raw and item.size == len(raw)
    assert item.raw_content_type == "application/pdf"
    [part] = item.parts.all()
    assert part.file.name == item.raw.name and part.content_type == "application/pdf"
    assert actions(item) == ["item.stored"]


@pytest.mark.django_db
def test_the_same_bytes_or_the_same_source_id_is_seen_again_never_a_second_item():
    raw = pdf_of([["APPEAL"]])
    first = fax(raw).item
    again = fax(raw, fax_id="fax-2")  # same bytes, another id (sent twice)
    same_id = fax(pdf_of([["OTHER"]]), fax_id="fax-1")  # a provider retrying its webhook
    assert not again.created and not same_id.created
    assert again.item.pk == same_id.item.pk == first.pk
    assert Item.objects.count() == 1
    first.refresh_from_db()
    assert first.seen_count == 3
    assert actions(first) == ["item.stored", "item.seen_again", "item.seen_again"]


@pytest.mark.django_db
def test_a_future_receipt_and_empty_bytes_are_refused():
    with pytest.raises(InvalidInput, match="future"):
        ms.item_store(
            source="fax",
            raw=b"%PDF-1.4",
            received_at=NOW + dt.timedelta(hours=1),
            received_basis="x",
            now=NOW,
        )
    with pytest.raises(InvalidInput, match="empty"):
        ms.item_store(source="fax", raw=b"", received_at=RECEIVED, received_basis="x", now=NOW)


@pytest.mark.django_db
def test_not_a_request_keeps_the_item_and_needs_a_note_for_other(people):
    item = fax(pdf_of([["Pizza menu"]])).item
    with pytest.raises(InvalidInput, match="say why"):
        ms.item_not_a_request(item, reason="other", actor=people["alice"], now=NOW)
    with pytest.raises(InvalidInput, match="not one of"):
        ms.item_not_a_request(item, reason="boring", actor=people["alice"], now=NOW)
    done = ms.item_not_a_request(item, reason="spam", actor=people["alice"], now=NOW)
    assert (done.state, done.outcome, done.outcome_reason) == ("done", "not_a_request", "spam")
    assert Item.objects.filter(pk=item.pk).exists()
    assert actions(item)[-1] == "item.not_a_request"
    with pytest.raises(InvalidTransition, match="already done"):
        ms.item_not_a_request(done, reason="spam", actor=people["alice"], now=NOW)


@pytest.mark.django_db
def test_a_stale_version_is_refused(people):
    item = fax(pdf_of([["x"]])).item
    seen = item.version
    ms.item_not_a_request(item, reason="misdirected", actor=people["alice"], now=NOW)
    stale = Item.objects.get(pk=item.pk)
    with pytest.raises(StaleItem, match="alice"):
        ms.item_split(stale, ranges=[(1, 1)], actor=people["bob"], expected_version=seen, now=NOW)


@pytest.mark.django_db
def test_split_makes_items_of_page_ranges_and_refuses_bad_ranges(people):
    raw = pdf_of([["one"], ["two"], ["three"], ["four"]])
    item = fax(raw).item
    for bad, words in [
        ([(0, 1)], "within 1-4"),
        ([(3, 5)], "within 1-4"),
        ([(1, 2), (2, 3)], "overlap"),
        ([(1, 4)], "not a split"),
        ([], "at least one"),
    ]:
        with pytest.raises(InvalidInput, match=words):
            ms.item_split(item, ranges=bad, actor=people["alice"], now=NOW)
    children = ms.item_split(item, ranges=[(1, 1), (2, 4)], actor=people["alice"], now=NOW)
    item.refresh_from_db()
    assert (item.state, item.outcome) == ("done", "split")
    assert [c.page_range for c in children] == ["1-1", "2-4"]
    from pypdf import PdfReader

    assert [len(PdfReader(c.raw.open("rb")).pages) for c in children] == [1, 3]
    assert all(c.received_at == RECEIVED and c.parent_id == item.pk for c in children)
    assert all(c.state == "new" and c.addressed_to == "+18776637526" for c in children)


@pytest.mark.django_db
def test_open_as_case_prefills_intake_with_the_items_receipt_and_attaches_its_pages(people, member):
    item = fax(pdf_of([["I appeal: my claim was denied"]])).item
    item.text = "I appeal: my claim was denied"
    item.program = "ump"
    item.proposal = {"matched": {"member_id": member.pk}, "request": {"requested": "appeal"}}
    item.save()
    prefill = ms.item_intake_prefill(item)
    assert prefill["request"]["received_at"] == RECEIVED.isoformat()
    assert prefill["request"]["channel"] == "fax" and prefill["member"] == member
    assert prefill["request"]["requested"] == "appeal"
    case = sv.case_receive(
        request={**prefill["request"], "filed_by": "member", "category": "claim_payment"},
        actor=people["alice"],
        member=prefill["member"],
        backdate_reason=prefill["backdate_reason"],
        now=NOW,
    )
    assert case.received_at == RECEIVED
    done = ms.item_opened_as_case(item, case=case, actor=people["alice"], now=NOW)
    assert (done.outcome, done.case_id) == ("opened_as_case", case.pk)
    [document] = Document.objects.filter(case=case)
    assert document.sha256 == item.sha256 and document.file.read() == item.raw.open("rb").read()
    assert Event.objects.filter(case=case, action="mailroom.documents_attached").exists()


@pytest.mark.django_db
def test_attach_records_information_received_at_the_items_receipt(receive, people):
    case = receive()
    sv.case_request_information(case, actor=people["bob"], items=["eob"], now=NOW)
    reply = fax(pdf_of([["EOB attached"]]), fax_id="fax-9").item
    ms.item_attach(reply, case=case, actor=people["bob"], items=["eob"], now=NOW)
    case.refresh_from_db()
    assert case.state == "in_review" and "eob" in case.provided
    info = case.information_requests.get()
    assert info.received_at == RECEIVED
    reply.refresh_from_db()
    assert (reply.outcome, reply.case_id) == ("attached", case.pk)
    assert actions(reply)[-1] == "item.attached"


@pytest.mark.django_db
def test_attach_refuses_a_closed_case(receive, people):
    case = receive()
    sv.case_dismiss(case, actor=people["erin"], reason="withdrawn", note="member withdrew", now=NOW)
    item = fax(pdf_of([["late reply"]])).item
    with pytest.raises(InvalidTransition, match="reopen"):
        ms.item_attach(item, case=case, actor=people["bob"], now=NOW)


@pytest.mark.django_db
def test_a_batch_of_scans_is_received_on_its_date_stamp_and_a_non_scan_refused(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    zone = dt.timezone(dt.timedelta(hours=-8))
    files = [
        SimpleUploadedFile("grievance.pdf", pdf_of([["Grievance form"]])),
        SimpleUploadedFile("notes.txt", b"just text"),
    ]
    result = ms.scans_store_batch(
        files, stamped_on=dt.date(2026, 3, 1), tz=zone, actor=people["alice"], now=NOW
    )
    [stored] = result.stored
    assert stored.item.source == "scan"
    assert stored.item.received_at == dt.datetime(2026, 3, 1, tzinfo=zone)
    assert stored.item.received_basis == "date-stamp 2026-03-01"
    assert result.refused[0][0] == "notes.txt" and "not a PDF" in result.refused[0][1]
    assert Refusal.objects.get().code == "not_a_scan"


@pytest.mark.django_db
def test_attach_resumes_a_clock_paused_for_the_information(receive, people):
    from appealdesk.cases.models import Clock

    case = receive()
    decision = case.clocks.get(clock_id="decision")
    Clock.objects.filter(pk=decision.pk).update(pausable=True)  # as a pack with pausable: true
    decision.refresh_from_db()
    due = decision.due_at
    sv.case_request_information(case, actor=people["bob"], items=["eob"], now=NOW)
    sv.clock_pause(decision, actor=people["bob"], reason="waiting for the EOB", now=NOW)
    later = NOW + dt.timedelta(days=2)
    reply = fax(pdf_of([["EOB"]]), fax_id="fax-eob").item
    ms.item_attach(reply, case=case, actor=people["bob"], items=["eob"], now=later)
    decision.refresh_from_db()
    assert decision.state == "running" and decision.due_at == due + dt.timedelta(days=2)
    reply.refresh_from_db()
    assert ItemEvent.objects.get(item=reply, action="item.attached").after["clocks_resumed"] == [
        "decision"
    ]


def mail(n: int, body: str = "") -> bytes:
    return (
        f"From: m{n}@example.org\r\nMessage-ID: <b{n}@example.org>\r\n\r\n{body or n}\r\n"
    ).encode()


@pytest.mark.django_db
def test_a_batch_is_stored_like_one_by_one_in_one_transaction(django_capture_on_commit_callbacks):
    known = ms.item_store(
        source="email",
        raw=mail(9),
        received_at=RECEIVED,
        received_basis="test",
        source_id="b9@example.org",
        declared_type="message/rfc822",
        now=NOW,
    ).item
    arrivals = [
        ms.Arrival(
            source="email",
            raw=raw,
            received_at=RECEIVED,
            received_basis="test",
            source_id=source_id,
        )
        for raw, source_id in [
            (mail(1), "b1@example.org"),
            (mail(2), "b2@example.org"),
            (mail(1), "b1@example.org"),  # twice in the same batch
            (mail(9), "b9@example.org"),  # stored before
            (mail(2, "resent"), "b2@example.org"),  # the same Message-ID, other bytes
        ]
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        stored = ms.items_store_many(arrivals, now=NOW)
    assert sorted(s.created for s in stored) == [False, False, False, True, True]
    assert Item.objects.count() == 3
    one = Item.objects.get(source_id="b1@example.org")
    assert one.seen_count == 2 and actions(one) == ["item.stored", "item.seen_again"]
    assert one.received_at == RECEIVED and one.state == "new" and one.stored_at == NOW
    two = Item.objects.get(source_id="b2@example.org")
    assert two.seen_count == 2
    assert ItemEvent.objects.get(item=two, action="item.seen_again").after["same_bytes"] is False
    assert Item.objects.get(pk=known.pk).seen_count == 2
    assert ItemEvent.objects.get(item=one, action="item.stored").after == {
        "source": "email",
        "source_id": "b1@example.org",
        "sha256": one.sha256,
        "received_at": RECEIVED.isoformat(),
        "received_basis": "test",
        "size": len(mail(1)),
    }
    assert storage.raw_bytes(one) == mail(1) and not one.raw  # landed with the row
    assert len(callbacks) == 1  # one reading task for the batch
    ms.item_bytes_to_storage(one)
    one.refresh_from_db()
    assert one.raw.open("rb").read() == mail(1) and storage.raw_bytes(one) == mail(1)


@pytest.mark.django_db
def test_a_batch_takes_e_mail_messages_only():
    pdf = ms.Arrival(
        source="fax",
        raw=b"%PDF-1.4",
        received_at=RECEIVED,
        received_basis="t",
        declared_type="application/pdf",
    )
    with pytest.raises(InvalidInput, match="e-mail messages"):
        ms.items_store_many([pdf], now=NOW)
    assert Item.objects.count() == 0
