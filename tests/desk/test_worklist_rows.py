"""The worklist's rows rendered in Python (`desk.rows`, issue 22 item 3) give the markup the
row template gave, value for value: the template below is the row of `_worklist_rows.html` as it
was before, rendered by Django's engine for the same rows (escaping included)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone

from appealdesk.cases.selectors import WorkItem
from appealdesk.desk.rows import row_html
from appealdesk.desk.timeleft import of_row

# the row template as it was, kept beside the test
ROW_TEMPLATE = (Path(__file__).parent / "fixtures" / "worklist_row_before.html").read_text()


def item(**fields):
    now = timezone.now().replace(tzinfo=None)
    base = {
        "id": 7,
        "number": "UMP-2026-0000007",
        "program": "ump",
        "kind": "expedited_appeal",
        "level": 1,
        "expedited": True,
        "category": "coverage_denial",
        "state": "in_review",
        "handler": "regence",
        "raw_received_at": now - dt.timedelta(days=3),
        "raw_next_due_at": now + dt.timedelta(hours=30),
        "raw_next_at_risk_at": now + dt.timedelta(hours=10),
        "version": 4,
        "member_name": 'Ann <script>alert("x")</script> O\'Hara & Co',
        "subscriber_id": "W1234567",
        "owner": "bob",
        "team": "UMP medical",
        "member_id": 3,
    }
    base.update(fields)
    names = {f for f in WorkItem.__dataclass_fields__}
    return WorkItem(**{k: v for k, v in base.items() if k in names})


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(html.split()))


@pytest.mark.parametrize(
    ("fields", "unread", "bulk"),
    [
        ({}, True, True),
        ({"expedited": False, "kind": "appeal", "level": None}, False, True),
        ({"owner": None, "member_name": None, "team": None, "handler": ""}, False, False),
        ({"owner": "alice"}, True, True),
        (
            {
                "expedited": False,
                "raw_next_due_at": timezone.now().replace(tzinfo=None) - dt.timedelta(days=2),
            },
            False,
            True,
        ),
    ],
)
def test_the_rows_are_the_templates_rows(fields, unread, bulk, settings):
    settings.ALLOWED_HOSTS = ["*"]
    row = item(**fields)
    now = timezone.now()
    st, target = of_row(row, now)
    with timezone.override("America/Los_Angeles"):
        expected = (
            engines["django"]
            .from_string(ROW_TEMPLATE)
            .render(
                {
                    "item": row,
                    "st": st,
                    "target": target,
                    "unread": {row.id} if unread else set(),
                    "bulk": bulk,
                    "user": type("U", (), {"username": "alice"})(),
                }
            )
        )
        got = row_html(
            row, st, target, unread=unread, bulk=bulk, username="alice", cases_url="/desk/cases/"
        )
    assert squeeze(str(got)) == squeeze(expected)
    assert "<script>" not in got
