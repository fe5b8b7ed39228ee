"""Error messages quote at most the first 80 characters of a bad value (issue 15): a megabyte
value was echoed whole into the one-line error of the contract and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from appealdesk.cli import app
from appealdesk.policy import AssessError, assess
from appealdesk.policy.quoting import clipped, quoted
from tests.conftest import ump

runner = CliRunner()


def test_quoted_keeps_a_short_value_and_cuts_a_long_one():
    assert quoted("nope") == "'nope'"
    assert quoted("x" * 80) == repr("x" * 80)
    assert quoted("x" * 81) == f"{'x' * 80!r}… (81 characters)"
    assert clipped("y" * 501).endswith("… (501 characters in all)")


@pytest.mark.parametrize(
    "request_",
    [
        ump(received_at="2" * 1_000_000),
        ump(received_at="2026-03-02T10:15:00." + "9" * 999_980),  # no offset: an example is given
        ump(notice_date="2" * 1_000_000),
        ump(category="c" * 1_000_000),
        ump(service="s" * 1_000_000),
        ump(program="p" * 1_000_000),
        ump(events={"e" * 1_000_000: None}),
    ],
)
def test_a_megabyte_value_is_quoted_by_its_first_80_characters(request_):
    with pytest.raises(AssessError) as caught:
        assess(request_)
    message = str(caught.value)
    assert len(message) < 600, len(message)
    assert "… (1000000 characters)" in message


def test_the_cli_prints_one_short_line():
    result = runner.invoke(app, ["assess", "-"], input=json.dumps(ump(category="c" * 1_000_000)))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: category: 'ccc")
    assert len(lines[0]) < 600 and "(1000000 characters)" in lines[0]
