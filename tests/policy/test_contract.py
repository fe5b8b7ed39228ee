"""The `assess` contract (SPEC 7): the example, the output shape, bad input, the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from appealdesk.cli import app
from appealdesk.demo import examples
from appealdesk.policy import AssessError, assess
from appealdesk.policy.contract import AssessResult
from tests.conftest import genex, ump

SPEC_EXAMPLE = {
    "program": "ump",
    "received_at": "2026-03-02T10:15:00-08:00",
    "channel": "phone",
    "filed_by": "member",
    "written": True,
    "written_response_requested": False,
    "requested": "complaint",
    "category": "claim_payment",
    "service": "medical",
    "level": 1,
    "expedited": False,
    "network_provider": True,
    "notice_date": "2026-01-05",
    "occurrence_date": None,
    "prior": None,
    "provided": ["subscriber_name", "subscriber_id"],
    "events": {"decided_at": None, "investigation_concluded_at": None},
    "text": None,
}

runner = CliRunner()


def test_the_spec_example():
    result = assess(SPEC_EXAMPLE)
    assert result["program"] == "ump" and result["pack_version"] == "2026.2"
    assert (result["kind"], result["level"], result["expedited"]) == ("appeal", 1, False)
    assert result["disposition"] == "accept" and result["rejection"] is None
    assert (
        result["handler"]["id"] == "regence" and result["handler"]["name"] == "Regence BlueShield"
    )
    assert result["filing"]["timely"] is True
    assert result["filing"]["last_day"] == "2026-07-04"
    assert result["filing"]["rule"] == "180 days after notice"
    target = next(d for d in result["deadlines"] if d["clock"] == "decision_target")
    assert {k: target[k] for k in ("unit", "length", "starts", "due_date", "due_at")} == {
        "unit": "calendar_days",
        "length": 14,
        "starts": "received",
        "due_date": "2026-03-16",
        "due_at": "2026-03-16T23:59:59-07:00",
    }
    assert {"patient_name", "service_dates"} <= set(result["missing"])
    assert result["next_level"]["kind"] == "appeal" and result["next_level"]["level"] == 2
    assert result["next_level"]["window_days"] == 180
    assert result["next_level"]["starts"] == "decision letter date"
    assert any("it is an appeal" in r for r in result["reasons"])


def test_assess_stores_nothing_and_is_deterministic():
    assert assess(SPEC_EXAMPLE) == assess(SPEC_EXAMPLE)


@pytest.mark.parametrize("case", examples(), ids=lambda c: c["title"][:40])
def test_every_answer_conforms_to_the_published_output_schema(case):
    AssessResult.model_validate(assess(case["request"]))


@pytest.mark.parametrize(
    ("request_", "field", "fragment"),
    [
        ({**SPEC_EXAMPLE, "program": "medicare"}, "program", "unknown program 'medicare'"),
        ({k: v for k, v in SPEC_EXAMPLE.items() if k != "received_at"}, "received_at", "required"),
        ({**SPEC_EXAMPLE, "received_at": "2026-03-02T10:15:00"}, "received_at", "no UTC offset"),
        ({**SPEC_EXAMPLE, "received_at": "March 2nd"}, "received_at", "ISO 8601"),
        ({**SPEC_EXAMPLE, "received_at": "2026-02-30T10:00:00-08:00"}, "received_at", "real time"),
        ({**SPEC_EXAMPLE, "category": "billing"}, "category", "not a category of ump"),
        ({**SPEC_EXAMPLE, "channel": "pigeon"}, "channel", "Input should be"),
        ({**SPEC_EXAMPLE, "notice_date": "01/05/2026"}, "notice_date", "YYYY-MM-DD"),
        ({**SPEC_EXAMPLE, "service": "dental"}, "service", "not a service of ump"),
        ({**SPEC_EXAMPLE, "expedited": "yes"}, "expedited", "boolean"),
        ({**SPEC_EXAMPLE, "level": "1"}, "level", "integer"),
        (
            {**SPEC_EXAMPLE, "prior": {"kind": "appeal", "letter_date": "soon"}},
            "prior.letter_date",
            "YYYY-MM-DD",
        ),
        (
            {**SPEC_EXAMPLE, "events": {"decided": "2026-03-03T10:00:00-08:00"}},
            "events",
            "decided_at",
        ),
        (
            {
                **SPEC_EXAMPLE,
                "expedited": True,
                "filed_by": "provider",
                "events": {"decided_at": "2026-03-01T09:00:00-08:00"},
            },
            "events.decided_at",
            "before received_at",
        ),
        (
            {**SPEC_EXAMPLE, "received_at": "2019-06-01T10:00:00-07:00"},
            "received_at",
            "no version of ump is in force",
        ),
        (
            {"program": "ump", "received_at": "2026-03-02T10:15:00-08:00"},
            "requested",
            "cannot tell what this request is",
        ),
    ],
)
def test_bad_input_names_the_field(request_, field, fragment):
    with pytest.raises(AssessError) as info:
        assess(request_)
    assert info.value.field == field
    assert fragment in info.value.message


def test_unknown_fields_are_reported_not_fatal():
    result = assess({**SPEC_EXAMPLE, "recieved_on": "x"})
    assert any("recieved_on" in w for w in result["warnings"])


# -- CLI --------------------------------------------------------------------------------------
def test_cli_assess_file_and_stdin(tmp_path):
    file = tmp_path / "request.json"
    file.write_text(json.dumps(SPEC_EXAMPLE))
    from_file = runner.invoke(app, ["assess", str(file)])
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.output)["filing"]["last_day"] == "2026-07-04"
    from_stdin = runner.invoke(app, ["assess", "-"], input=json.dumps(genex()))
    assert from_stdin.exit_code == 0
    assert json.loads(from_stdin.output)["kind"] == "grievance"


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        (json.dumps({**SPEC_EXAMPLE, "received_at": "2026-03-02T10:15:00"}), "error: received_at:"),
        (json.dumps({**SPEC_EXAMPLE, "program": "x"}), "error: program: unknown program"),
        (json.dumps({**SPEC_EXAMPLE, "category": "nope"}), "error: category:"),
        ("{not json", "error: request: not valid JSON"),
        ("[1, 2]", "error: request: must be a JSON object"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(stdin, fragment):
    result = runner.invoke(app, ["assess", "-"], input=stdin)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(fragment), result.stderr


def test_cli_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["assess", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_cli_schema_prints_input_and_output_schemas():
    result = runner.invoke(app, ["assess", "--schema"])
    assert result.exit_code == 0
    schemas = json.loads(result.output)
    assert "received_at" in schemas["input"]["required"]
    assert "deadlines" in schemas["output"]["properties"]


def test_cli_table_view():
    result = runner.invoke(app, ["assess", "-", "--table"], input=json.dumps(SPEC_EXAMPLE))
    assert result.exit_code == 0
    assert "appeal level 1" in result.output and "2026-07-04" in result.output


def test_cli_packs_list_show_validate(tmp_path):
    listed = runner.invoke(app, ["packs", "list"])
    assert listed.exit_code == 0 and "genex-ur" in listed.output and "2026.2" in listed.output
    shown = runner.invoke(app, ["packs", "show", "ump"])
    assert shown.exit_code == 0
    assert "claim_payment" in shown.output and "it is an appeal" in shown.output
    as_json = runner.invoke(app, ["packs", "show", "genex-ur", "--json"])
    assert json.loads(as_json.output)["program"] == "genex-ur"
    assert runner.invoke(app, ["packs", "show", "nope"]).exit_code == 2
    from appealdesk.policy.loader import BUNDLED_DIR

    ok = runner.invoke(
        app,
        ["packs", "validate", str(BUNDLED_DIR / "ump.yaml"), str(BUNDLED_DIR / "genex-ur.yaml")],
    )
    assert ok.exit_code == 0 and ok.output.count("ok:") == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("program: bad\n")
    failed = runner.invoke(app, ["packs", "validate", str(bad)])
    assert failed.exit_code == 1 and "invalid:" in failed.stderr and "bad.yaml" in failed.stderr


def test_cli_calendar_lists_a_years_holidays():
    result = runner.invoke(app, ["calendar", "genex-ur", "2026"])
    assert result.exit_code == 0
    assert "2026-03-31" in result.output and "Cesar Chavez Day" in result.output


def test_cli_tour_assesses_every_example():
    result = runner.invoke(app, ["tour"])
    assert result.exit_code == 0
    assert f"{len(examples())} requests assessed" in result.output


def test_ump_complaint_base_helper_is_valid():
    assert assess(ump())["kind"] == "appeal"
