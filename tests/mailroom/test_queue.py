"""The mailroom queue (urgent first, oldest receipt first, keyset pages, one query a page, the
clock already running from receipt), the unprocessed-item warning, and replies threading back
to their case by the reply address the letters carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appealdesk.correspondence.services import reply_address
from appealdesk.mailroom import selectors
from appealdesk.mailroom import services as ms
from appealdesk.mailroom.errors import InvalidInput
from appealdesk.mailroom.matching import match
from appealdesk.mailroom.models import Item, ItemEvent
from appealdesk.mailroom.sweep import items_warn_unprocessed
from tests.mailroom.conftest import NOW


def make(n: int, *, hours_ago: float, urgent: bool = False, program: str = "ump", **fields):
    item = ms.item_store(
        source="fax",
        raw=f"%PDF-1.4 item {n}".encode(),
        received_at=NOW - dt.timedelta(hours=hours_ago),
        received_basis="test",
        source_id=f"f{n}",
        now=NOW,
    ).item
    Item.objects.filter(pk=item.pk).update(urgent=urgent, program=program, **fields)
    return Item.objects.get(pk=item.pk)


@pytest.mark.django_db
def test_urgent_first_then_oldest_receipt_and_keyset_pages_in_one_query_each():
    old = make(1, hours_ago=30)
    new = make(2, hours_ago=1)
    urgent_new = make(3, hours_ago=2, urgent=True)
    urgent_old = make(4, hours_ago=5, urgent=True)
    same_time = make(5, hours_ago=30)  # ties on receipt: by id
    done = make(6, hours_ago=50)
    ms.item_not_a_request(done, reason="spam", actor=None, now=NOW)
    seen = []
    cursor = None
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = selectors.queue_page(after=cursor, limit=2, now=NOW)
        assert len(queries) == 1
        seen += [row.item.pk for row in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [urgent_old.pk, urgent_new.pk, old.pk, same_time.pk, new.pk]
    with pytest.raises(InvalidInput, match="cursor"):
        selectors.queue_page(after="not-a-cursor")


@pytest.mark.django_db
def test_each_row_shows_the_clock_running_from_receipt():
    due = NOW + dt.timedelta(hours=61, minutes=20)
    item = make(1, hours_ago=11, first_due_at=due, first_due_label="acknowledge")
    late = make(
        2, hours_ago=80, first_due_at=NOW - dt.timedelta(hours=8), first_due_label="acknowledge"
    )
    rows = {r.item.pk: r for r in selectors.queue_page(now=NOW).rows}
    assert rows[item.pk].due_words == "acknowledge due in 61 hours"
    assert rows[late.pk].due_words == "acknowledge overdue by 8 hours" and rows[late.pk].overdue


@pytest.mark.django_db
def test_the_sweep_warns_once_per_item_past_its_programs_threshold(settings):
    settings.MAILROOM_UNPROCESSED_HOURS = {"ump": 4, "*": 24}
    ump_late = make(1, hours_ago=5)
    ump_fresh = make(2, hours_ago=3)
    unknown_fresh = make(3, hours_ago=5, program="")
    unknown_late = make(4, hours_ago=25, program="")
    warned = items_warn_unprocessed(now=NOW)
    assert sorted(warned) == sorted([ump_late.pk, unknown_late.pk])
    assert items_warn_unprocessed(now=NOW) == []  # once
    event = ItemEvent.objects.get(item=ump_late, action="item.unprocessed_warning")
    assert "limit for ump is 4 hours" in event.reason
    assert not ItemEvent.objects.filter(
        item__in=[ump_fresh, unknown_fresh], action="item.unprocessed_warning"
    ).exists()


@pytest.mark.django_db
def test_a_reply_threads_back_by_its_reply_address_even_with_a_new_subject(receive, settings):
    settings.DEFAULT_FROM_EMAIL = "appeals@ump.example.org"
    case = receive()
    address = reply_address(case.number)
    assert address == f"appeals+{case.number}@ump.example.org"
    found = match(text="Here it is.", subject="documents", addressed_to=address.lower())
    assert found.reply_to_case == case.number and found.program == "ump"
