"""Pack authors work without Python (issue 23): `packs new`, `packs validate`, `packs test`
with the cases shipped beside each pack, `packs diff`, and `assess --table` in words."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from appealdesk.cli import app
from appealdesk.policy import PackRegistry, load_pack_file
from appealdesk.policy.diff import pack_diff
from appealdesk.policy.loader import BUNDLED_DIR, CASES_SUFFIX
from appealdesk.policy.packtest import run_cases
from appealdesk.policy.render import print_assessment
from tests.policy.packfactory import SOURCE, assess_with, pack_data

runner = CliRunner()
MEDICARE = BUNDLED_DIR / "medicare-part-c-grievance.yaml"
SHIPPED_CASES = sorted(BUNDLED_DIR.glob(f"*{CASES_SUFFIX}"))


def _copy_medicare(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "seeds").mkdir(exist_ok=True)
    shutil.copy(BUNDLED_DIR / "seeds" / "42-cfr-422.564.txt", tmp_path / "seeds")
    pack = tmp_path / MEDICARE.name
    shutil.copy(MEDICARE, pack)
    cases = tmp_path / MEDICARE.name.replace(".yaml", CASES_SUFFIX)
    shutil.copy(MEDICARE.with_name(cases.name), cases)
    return pack, cases


def _rewrite(file: Path, *edits: tuple[str, str]) -> str:
    """The file with each (old, new) replaced once; its new text."""
    text = file.read_text()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    file.write_text(text)
    return text


def test_every_shipped_pack_carries_its_worked_cases():
    packs = {p for p in BUNDLED_DIR.glob("*.yaml") if not p.name.endswith(CASES_SUFFIX)}
    assert {p.name.replace(CASES_SUFFIX, ".yaml") for p in SHIPPED_CASES} == {p.name for p in packs}


@pytest.mark.parametrize("cases", SHIPPED_CASES, ids=lambda p: p.name)
def test_the_shipped_cases_pass(cases):
    pack = load_pack_file(cases.with_name(cases.name.replace(CASES_SUFFIX, ".yaml")))
    report = run_cases(cases, pack, PackRegistry([pack]))
    assert len(report.results) >= 10
    assert not report.failed, [(r.name, r.failures) for r in report.failed]
    # each case cites where it was worked from, most the sentence of the seed itself
    data = yaml.safe_load(cases.read_text())
    assert all(c["source"].get("seed") or c["source"].get("spec") for c in data["cases"])


def test_packs_test_through_the_cli_for_the_third_program():
    result = runner.invoke(app, ["packs", "test", "medicare-part-c"])
    assert result.exit_code == 0, result.output
    assert "17 of 17 cases pass" in result.output


def test_a_failing_case_says_what_was_expected_and_where(tmp_path):
    pack, cases = _copy_medicare(tmp_path)
    text = _rewrite(
        cases,
        (
            "filing: {timely: true, last_day: 2026-03-06}",
            "filing: {timely: true, last_day: 2026-03-05}",
        ),
        (
            "disposition: reject\n      rejection: untimely",
            "disposition: accept\n      rejection: untimely",
        ),
    )
    result = runner.invoke(app, ["packs", "test", str(pack)])
    assert result.exit_code == 1
    assert "15 of 17 cases pass" in result.output
    assert "filing.last_day: expected '2026-03-05', got '2026-03-06'" in result.output
    assert "disposition: expected 'accept', got 'reject'" in result.output
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "61st day" in t)
    assert f"{cases}:{line})" in result.output


def test_a_broken_cases_file_lists_every_problem_with_its_line(tmp_path):
    pack, cases = _copy_medicare(tmp_path)
    _rewrite(
        cases,
        (
            "    expect:\n      kind: grievance\n      disposition: accept\n",
            "    expect:\n      kind: grievance\n      outcome: accept\n",
        ),
        ("no later than 60 days after the event", "no later than sixty days after the event"),
    )
    result = runner.invoke(app, ["packs", "test", str(pack), str(cases)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{cases}:9: cases[0].source.seed: not a verbatim passage")
    assert "copy the sentence exactly" in lines[0]
    assert ".expect.outcome: unknown expectation `outcome` — use one of: kind," in lines[1]


def test_new_validate_test_and_load_a_pack_without_python(tmp_path, monkeypatch):
    made = runner.invoke(app, ["packs", "new", "dmhc-grievance", "--dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    pack = tmp_path / "dmhc-grievance.yaml"
    assert (tmp_path / "dmhc-grievance.cases.yaml").exists()
    assert (tmp_path / "seeds" / "dmhc-grievance.txt").exists()
    assert "# Check it:" in pack.read_text()  # the skeleton is commented
    assert runner.invoke(app, ["packs", "validate", str(pack)]).exit_code == 0
    tested = runner.invoke(app, ["packs", "test", str(pack)])
    assert tested.exit_code == 0 and "2 of 2 cases pass" in tested.output
    again = runner.invoke(app, ["packs", "new", "dmhc-grievance", "--dir", str(tmp_path)])
    assert again.exit_code == 2 and "already exist" in again.stderr
    bad = runner.invoke(app, ["packs", "new", "DMHC Grievance", "--dir", str(tmp_path)])
    assert bad.exit_code == 2 and "e.g. dmhc-grievance" in bad.stderr
    # loaded like the shipped packs from the folder the setting names
    from appealdesk.policy import loader

    monkeypatch.setenv("APPEALDESK_PACK_DIRS", str(tmp_path))
    loader.default_registry.cache_clear()
    try:
        listed = runner.invoke(app, ["packs", "list"])
        assert "dmhc-" in listed.output
        assert runner.invoke(app, ["packs", "show", "dmhc-grievance"]).exit_code == 0
        request = {"program": "dmhc-grievance", "received_at": "2026-03-02T10:15:00-05:00"}
        result = runner.invoke(app, ["assess", "-"], input=json.dumps(request))
        assert json.loads(result.output)["kind"] == "grievance"
    finally:
        monkeypatch.delenv("APPEALDESK_PACK_DIRS")
        loader.default_registry.cache_clear()


def test_a_source_file_given_to_packs_new_becomes_the_seed_document(tmp_path):
    source = tmp_path / "hsc-1368.txt"
    source.write_text("The plan shall resolve each grievance within 30 calendar days.\n")
    made = runner.invoke(
        app, ["packs", "new", "dmhc", "--dir", str(tmp_path / "out"), "--source", str(source)]
    )
    assert made.exit_code == 0
    seed = (tmp_path / "out" / "seeds" / "dmhc.txt").read_text()
    assert seed.endswith("within 30 calendar days.\n") and "verbatim passage" in seed


def _version_2027(tmp_path: Path) -> Path:
    pack, _ = _copy_medicare(tmp_path)
    data = yaml.safe_load(pack.read_text())
    data.pop("x-extension")
    data.update(version="2027.1", effective_from="2027-01-01")
    process = data["processes"][0]
    process["filing"][0]["window"]["length"] = 90
    process["filing"][0]["window"]["strength"] = "good_cause"
    process["notes"].pop()  # the recordkeeping note
    kind = data["rules"]["kind"]
    kind[0], kind[1] = kind[1], kind[0]
    data["rules"]["admission"] = [
        {
            "id": "provider-not-a-party",
            "when": {"filed_by": "provider"},
            "then": {
                "disposition": "reject",
                "rejection": {"code": "not_eligible_requester", "message": "Enrollees file."},
            },
            "reason": "a grievance is the enrollee's",
            "source": {
                "seed": "An enrollee may file a grievance with the MA organization either "
                "orally or in writing."
            },
        }
    ]
    newer = tmp_path / "medicare-2027.yaml"
    newer.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return newer


def test_packs_diff_lists_added_removed_changed_and_moved_rules_with_citations(tmp_path):
    newer = _version_2027(tmp_path)
    result = runner.invoke(app, ["packs", "diff", "medicare-part-c", "2026.1", str(newer)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("medicare-part-c 2026.1 → 2027.1: 1 added, 1 removed, 2 changed, 2 moved")
    assert "+ rules.admission provider-not-a-party (admission rule)" in out
    assert "- grievance note Keep the date of receipt" in out
    assert "~ grievance filing when always (filing window)" in out
    assert 'window.length: 60 → 90; window.strength: — → "good_cause"' in out
    assert "[seed: 'An enrollee must file a grievance no later than 60 days" in out
    assert "↕ rules.kind appeal-asked-for (kind rule)" in out and "moved from #2 to #1" in out
    assert 'effective_from: "2020-01-01" → "2027-01-01"' in out
    unknown = runner.invoke(app, ["packs", "diff", "medicare-part-c", "2026.1", "2031.9"])
    assert unknown.exit_code == 2 and "use one of: 2026.1" in unknown.stderr


def test_an_added_rule_does_not_move_the_rules_after_it(tmp_path):
    old = load_pack_file(MEDICARE).pack
    data = yaml.safe_load(MEDICARE.read_text())
    data["rules"]["kind"].insert(0, {**data["rules"]["kind"][2], "id": "grievance-first"})
    shutil.copytree(BUNDLED_DIR / "seeds", tmp_path / "seeds")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    changes = pack_diff(old, load_pack_file(tmp_path / "p.yaml").pack)
    assert [(c.change, c.key) for c in changes] == [("added", "rules.kind grievance-first")]


def test_the_desk_can_diff_two_identical_versions_to_nothing():
    pack = load_pack_file(MEDICARE).pack
    assert pack_diff(pack, pack) == []


def _table(result) -> str:
    buffer = io.StringIO()
    print_assessment(result, Console(file=buffer, width=200, color_system=None))
    return buffer.getvalue()


def test_the_table_says_when_the_next_level_has_no_filing_window():
    """Issue 23: `--table` printed "within None year(s) of the no filing window"."""
    data = pack_data()
    data["processes"][0]["next_level"] = {"kind": "external_review", "source": SOURCE}
    data["processes"].append(
        {"kind": "external_review", "label": "Review", "filing": [{"window": None}]}
    )
    table = _table(assess_with(data))
    assert "next: external_review (no filing window)" in table
    assert "None" not in table


def test_the_table_says_immediately_and_months():
    data = pack_data(
        clocks=[
            {
                "id": "now",
                "label": "Now",
                "unit": "immediate",
                "met_by": ["acknowledged"],
                "source": SOURCE,
            },
            {
                "id": "later",
                "label": "Later",
                "unit": "months",
                "length": 1,
                "met_by": ["decided"],
                "source": SOURCE,
            },
        ]
    )
    table = _table(assess_with(data, received_at="2026-01-31T09:00:00-08:00"))
    assert "immediately (Sat 2026-01-31 09:00:00 -0800)" in table
    assert "1 month" in table and "Sat 2026-02-28 23:59:59 -0800" in table


def test_a_program_written_from_the_docs_alone_says_what_issue_23_could_not():
    """A DMHC pack (tests/policy/fixtures/dmhc): months, earliest dates, soft windows, urgent
    tracks, minutes, business hours and immediate clocks, with its cases."""
    pack = Path(__file__).with_name("fixtures") / "dmhc" / "dmhc-grievance.yaml"
    assert runner.invoke(app, ["packs", "validate", str(pack)]).exit_code == 0
    result = runner.invoke(app, ["packs", "test", str(pack)])
    assert result.exit_code == 0, result.output
    assert "6 of 6 cases pass" in result.output
