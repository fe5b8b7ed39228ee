"""Time left in words, and the red/amber/green state (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from appealdesk.desk.timeleft import Status, of_clock, span, status

NOW = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (dt.timedelta(days=2, hours=4, minutes=10), "2 days 4 hours"),
        (dt.timedelta(days=1), "1 day"),
        (dt.timedelta(hours=3, minutes=10), "3 hours 10 minutes"),
        (dt.timedelta(minutes=1), "1 minute"),
        (dt.timedelta(seconds=20), "less than a minute"),
        (dt.timedelta(days=30, minutes=59), "30 days"),
    ],
)
def test_span(delta, words):
    assert span(delta) == words


def test_states():
    assert status(NOW + 50 * H, NOW + 40 * H, NOW) == Status("green", "2 days 2 hours left")
    assert status(NOW + 5 * H, NOW - H, NOW).rag == "amber"
    assert status(NOW - 3 * H, NOW - 10 * H, NOW) == Status("red", "overdue by 3 hours")
    assert status(None, None, NOW).rag == "none"
    assert status(dt.datetime(9999, 12, 31, tzinfo=dt.UTC), None, NOW).words == "no running clock"


def test_settled_clocks_say_how_they_ended():
    assert of_clock("met", NOW, None, NOW - H, NOW) == Status("green", "met in time")
    assert of_clock("missed", NOW - 5 * H, None, NOW - 2 * H, NOW).words == "met late by 3 hours"
    assert of_clock("missed", NOW - 5 * H, None, None, NOW).words == "overdue by 5 hours"
    assert of_clock("pending", None, None, None, NOW) == Status("none", "not started")
    assert of_clock("running", NOW + H, NOW, None, NOW).rag == "amber"
