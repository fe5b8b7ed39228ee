"""Input at the edges (issue 15): instants and dates at the ends of the calendar and JSON nested
hundreds of levels deep are a contract error naming the field (the CLI:
exit 2, one line), never an OverflowError or RecursionError from the time math or the JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from appealdesk.cli import app
from appealdesk.policy import AssessError, assess
from appealdesk.policy.contract import EARLIEST, LATEST, MAX_DEPTH
from tests.conftest import genex, ump

runner = CliRunner()
RANGE = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ump(received_at="0001-01-01T00:00+14:00"), "received_at"),
        (ump(received_at="9999-12-31T23:59-12:00"), "received_at"),
        (ump(received_at="9999-12-31T00:00Z"), "received_at"),
        (ump(notice_date="9999-12-31"), "notice_date"),
        (ump(notice_date="0001-01-01"), "notice_date"),
        (genex(occurrence_date="9999-12-31"), "occurrence_date"),
        (ump(prior={"kind": "appeal", "letter_date": "0001-01-01"}), "prior.letter_date"),
        (ump(events={"decided_at": "9999-12-31T23:59Z"}), "events"),
    ],
)
def test_the_ends_of_the_calendar_are_refused_naming_the_field_and_the_range(request_, field):
    with pytest.raises(AssessError) as caught:
        assess(request_)
    assert caught.value.field == field
    assert RANGE in caught.value.message


def test_the_ends_of_the_accepted_range_are_assessed():
    assert assess(ump(received_at=f"{LATEST.isoformat()}T23:59:59Z"))["kind"]
    assert assess(ump(received_at="2026-03-02T10:15:00-08:00", notice_date=EARLIEST.isoformat()))


@pytest.mark.parametrize(
    "request_",
    [
        ump(extra=nested(900)),
        ump(events=nested(900)),
        ump(prior=nested(900)),
        ump(provided=[nested(900)]),
    ],
)
def test_json_nested_hundreds_deep_is_refused(request_):
    with pytest.raises(AssessError) as caught:
        assess(request_)
    assert f"nested more than {MAX_DEPTH} levels deep" in caught.value.message


@pytest.mark.parametrize(
    "stdin",
    [
        json.dumps(ump(received_at="0001-01-01T00:00+14:00")),
        json.dumps(ump(notice_date="9999-12-31")),
        json.dumps(ump(override=nested(900))),
        "[" * 100_000 + "]" * 100_000,  # deeper than the JSON parser's recursion limit
    ],
    ids=["year-1", "year-9999", "deep-override", "deeper-than-the-parser"],
)
def test_cli_exits_2_with_one_short_line(stdin):
    result = runner.invoke(app, ["assess", "-"], input=stdin)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[:300]
    assert len(lines[0]) < 600


# -- the property: whatever the dates and however deep, a result or a contract error ----------
extreme_dates = st.one_of(
    st.dates().map(lambda d: d.isoformat().zfill(10)),
    st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"]),
)
extreme_instants = st.one_of(
    st.builds(
        lambda d, hh, mm, off: f"{d.isoformat()}T{hh:02d}:{mm:02d}{off}",
        st.dates(),
        st.integers(0, 23),
        st.integers(0, 59),
        st.sampled_from(["Z", "+14:00", "-12:00", "+00:00", "-08:00", "+23:59", "-23:59"]),
    ),
    st.sampled_from(["0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00"]),
)
deep_json = st.integers(0, 1200).map(nested)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    received_at=extreme_instants,
    notice_date=extreme_dates,
    decided_at=extreme_instants,
    extra=deep_json,
    program=st.sampled_from(["ump", "genex-ur"]),
)
def test_assess_answers_or_refuses_never_crashes(
    received_at, notice_date, decided_at, extra, program
):
    make = ump if program == "ump" else genex
    request = make(
        received_at=received_at,
        notice_date=notice_date,
        occurrence_date=notice_date,
        events={"decided_at": decided_at},
        extra=extra,
    )
    try:
        result = assess(request)
    except AssessError as exc:
        assert exc.field and len(str(exc)) < 600
    else:
        json.dumps(result)
