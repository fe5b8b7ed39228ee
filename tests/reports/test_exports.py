"""The reports as files and over the API: the universe streamed (CSV as read, XLSX through a
temporary file), one access-log row per export, the API's JSON and its refusals, the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from openpyxl import load_workbook
from typer.testing import CliRunner

from appealdesk.access.models import AccessLog
from appealdesk.api.models import ApiKey
from appealdesk.cli import app
from appealdesk.reports import universe

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


def xlsx_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def root(client, world):
    client.force_login(world.people["root"])
    return client


def test_the_universe_streams_as_csv_and_is_logged_once(root, world, monkeypatch):
    monkeypatch.setattr(universe, "BATCH", 4)  # several batches from thirteen cases
    response = root.get("/desk/reports/universe.csv?program=ump")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="appealdesk-universe-ump.csv"'
    rows = csv_rows(body(response))
    ump_cases = [c for c in world.cases.values() if c.program == "ump"]
    assert rows[0] == universe.header()
    assert sorted(r[1] for r in rows[1:]) == sorted(c.number for c in ump_cases)
    (entry,) = AccessLog.objects.filter(what="universe export")
    assert (entry.case_number, entry.case, entry.allowed, entry.username) == (
        "*",
        None,
        True,
        "root",
    )
    assert "program=ump" in entry.path


def test_the_universe_as_xlsx_opens_with_every_row(root, world):
    response = root.get("/desk/reports/universe.xlsx?from=2026-01-01&to=2026-06-30")
    assert isinstance(response, StreamingHttpResponse)
    rows = xlsx_rows(body(response))
    assert list(rows[0]) == universe.header()
    assert len(rows) == 1 + len(world.cases)
    assert AccessLog.objects.filter(what="universe export", case_number="*").count() == 1


def test_a_supervisor_exports_the_cases_they_may_see(client, world):
    client.force_login(world.people["gina"])
    rows = csv_rows(body(client.get("/desk/reports/universe.csv")))
    assert {r[0] for r in rows[1:]} == {"genex-ur"}


@pytest.mark.parametrize("report", ["timeliness", "volumes", "outcomes", "aging", "public_metrics"])
def test_report_tables_download(root, world, report):
    as_csv = csv_rows(body(root.get(f"/desk/reports/{report}.csv?program=ump")))
    as_xlsx = xlsx_rows(body(root.get(f"/desk/reports/{report}.xlsx?program=ump")))
    assert len(as_csv) == len(as_xlsx) > 1
    assert as_csv[0] == list(as_xlsx[0])
    program = as_csv[0].index("program") if "program" in as_csv[0] else None
    if program is not None:
        assert {r[program] for r in as_csv[1:]} == {"ump"}


# -- the API -----------------------------------------------------------------------------------
def key(user, *scopes: str) -> dict[str, str]:
    _, text = ApiKey.issue(name="reports", user=user, scopes=list(scopes or ["cases:read"]))
    return {"Authorization": f"Bearer {text}"}


def test_api_reports_are_json(client, world):
    headers = key(world.people["sam"])
    url = "/api/v1/reports/timeliness?from=2026-01-01&to=2026-06-30&by=month_received"
    data = client.get(url, headers=headers).json()
    assert data["by"] == "month_received" and data["filter"]["from"] == "2026-01-01"
    assert {r["program"] for r in data["rows"]} == {"ump"}  # sam supervises UMP only
    assert {(r["program"], r["clock"]) for r in data["totals"]} >= {("ump", "decision")}
    for name in ("volumes", "outcomes", "aging", "public-metrics"):
        response = client.get(f"/api/v1/reports/{name}?program=ump", headers=headers)
        assert response.status_code == 200 and response.json()["rows"], name
    page = client.get(
        "/api/v1/reports/cases?program=ump&clock=acknowledge&status=missed&limit=1",
        headers=headers,
    ).json()
    assert page["count"] == 2 and len(page["items"]) == 1 and page["next_cursor"]
    more = client.get(
        f"/api/v1/reports/cases?program=ump&clock=acknowledge&status=missed&cursor={page['next_cursor']}",
        headers=headers,
    ).json()
    numbers = {page["items"][0]["number"], more["items"][0]["number"]}
    assert numbers == {world.cases["B"].number, world.cases["C"].number}
    # A (level 1, upheld) was partially overturned at level 2 (J): approved after appeal
    public = client.get("/api/v1/reports/public-metrics?program=ump", headers=headers).json()
    standard = next(r for r in public["rows"] if r["track"] == "standard")
    assert standard["year"] == 2026 and standard["approved_after_appeal"] == 1
    behind = client.get(
        "/api/v1/reports/cases?program=ump&figure=approved_after_appeal&year=2026",
        headers=headers,
    ).json()
    assert [i["number"] for i in behind["items"]] == [world.cases["A"].number]


def test_api_universe_streams_csv(client, world):
    response = client.get(
        "/api/v1/reports/universe?program=genex-ur", headers=key(world.people["root"])
    )
    assert isinstance(response, StreamingHttpResponse)
    rows = csv_rows(body(response))
    assert len(rows) == 1 + sum(c.program == "genex-ur" for c in world.cases.values())
    entry = AccessLog.objects.get(what="universe export")
    assert entry.path.startswith("/api/v1/reports/universe?program=genex-ur")


@pytest.mark.parametrize(
    ("who", "scopes", "status", "problem"),
    [
        ("bob", ["cases:read"], 403, "forbidden_report"),  # an analyst
        ("sam", ["assess"], 403, "insufficient_scope"),
    ],
)
def test_api_refuses(client, world, who, scopes, status, problem):
    response = client.get("/api/v1/reports/timeliness", headers=key(world.people[who], *scopes))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith(problem)
    assert not AccessLog.objects.filter(what="universe export").exists()


def test_api_bad_input_names_the_field(client, world):
    headers = key(world.people["root"])
    response = client.get("/api/v1/reports/volumes?from=2026-04-01&to=2026-03-01", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "to"
    response = client.get("/api/v1/reports/timeliness?program=nope", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "program"
    response = client.get("/api/v1/reports/cases?handler=a%00b&clock=decision", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "handler"


# -- the command line --------------------------------------------------------------------------
def test_cli_reports(world, tmp_path):
    runner = CliRunner()
    done = runner.invoke(
        app,
        ["report", "timeliness", "--program", "ump", "--from", "2026-01-01", "--to", "2026-03-31"],
    )
    assert done.exit_code == 0, done.output
    rows = csv_rows(done.stdout_bytes)
    assert rows[0][:3] == ["program", "clock", "label"] and {r[0] for r in rows[1:]} == {"ump"}
    done = runner.invoke(app, ["report", "outcomes", "--format", "json"])
    decided = json.loads(done.stdout)  # no Genex grievance is decided yet
    assert {(r["program"], r["kind"], r["level"]) for r in decided} >= {("ump", "appeal", 2)}
    out = tmp_path / "universe.xlsx"
    done = runner.invoke(app, ["report", "universe", "--format", "xlsx", "--output", str(out)])
    assert done.exit_code == 0, done.output
    assert len(xlsx_rows(out.read_bytes())) == 1 + len(world.cases)
    entry = AccessLog.objects.get(what="universe export")
    assert entry.case_number == "*" and entry.username.startswith("cli:")
    done = runner.invoke(app, ["report", "volumes", "--from", "2026-02-30"])
    assert done.exit_code == 2 and "from: '2026-02-30' is not a date" in done.stderr


def test_a_long_universe_goes_on_to_more_sheets(root, world, monkeypatch):
    """Excel holds 1,048,576 rows a sheet: the universe goes on to the next sheet, each with
    the header (here a sheet of five rows)."""
    from appealdesk.reports import export

    monkeypatch.setattr(export, "SHEET_ROWS", 5)
    data = body(root.get("/desk/reports/universe.xlsx"))
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheets = [list(s.iter_rows(values_only=True)) for s in book.worksheets]
    assert [len(s) for s in sheets] == [6, 6, 4]  # thirteen cases
    assert all(list(s[0]) == universe.header() for s in sheets)
    assert book.sheetnames == ["universe", "universe 2", "universe 3"]
