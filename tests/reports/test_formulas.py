"""Spreadsheet formula injection (issue 15): a team named `=HYPERLINK("http://x","y")` became a
live formula in the exported CSV and XLSX. Text cells that start with = + - @, a tab or a
carriage return are written with a leading single quote (OWASP); numbers stay numbers."""

from __future__ import annotations

import pytest

from appealdesk.cases.models import Case, Team
from appealdesk.reports.export import csv_chunks, inert, xlsx_file
from tests.reports.test_exports import body, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def root(client, world):
    client.force_login(world.people["root"])
    return client


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_team_name_that_is_a_formula_is_exported_inert(root, world, form):
    team = Team.objects.get(name="UMP medical")
    Team.objects.filter(pk=team.pk).update(name=FORMULA)
    assert Case.objects.filter(team=team).exists()
    response = root.get(f"/desk/reports/universe.{form}?program=ump")
    rows = csv_rows(body(response)) if form == "csv" else xlsx_rows(body(response))
    column = list(rows[0]).index("team")
    names = {row[column] for row in rows[1:]}
    assert "'" + FORMULA in names and FORMULA not in names


def test_the_xlsx_cell_is_text_not_a_formula():
    from openpyxl import load_workbook

    out = xlsx_file(["team", "n"], [[[FORMULA, -3], ["@SUM(A1)", 2.5]]], title="t")
    sheet = load_workbook(out).worksheets[0]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'" + FORMULA
    assert sheet["A3"].value == "'@SUM(A1)"
    # numbers stay numbers, negative ones too
    assert (sheet["B2"].data_type, sheet["B2"].value) == ("n", -3)
    assert sheet["B3"].value == 2.5


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Pat Doe", "Pat Doe"),
        ("", ""),
        (-3, -3),
        (-2.5, -2.5),
        ("-3", "-3"),  # a negative number written as text is no formula either
        ("-3.25", "-3.25"),
        (None, None),
    ],
)
def test_inert(value, written):
    assert inert(value) == written


def test_csv_cells_are_inert():
    data = b"".join(csv_chunks(["team", "n"], [[[FORMULA, -3]]]))
    assert csv_rows(data) == [["team", "n"], ["'" + FORMULA, "-3"]]
