"""Packs: schema, errors that point at the file/path/line, seed citations, versions in force."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
import yaml

from appealdesk.policy import PackError, PackRegistry, assess, load_pack_file
from appealdesk.policy.loader import BUNDLED_DIR, iter_sources
from tests.conftest import genex, ump

UMP = BUNDLED_DIR / "ump.yaml"
GENEX = BUNDLED_DIR / "genex-ur.yaml"


def write_variant(tmp_path: Path, source: Path, edit, name: str | None = None) -> Path:
    """A copy of a bundled pack with `edit(data)` applied, beside a copy of its seed."""
    data = yaml.safe_load(source.read_text())
    edit(data)
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    for seed in (BUNDLED_DIR / "seeds").iterdir():
        (seeds / seed.name).write_text(seed.read_text())
    target = tmp_path / (name or source.name)
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return target


def test_bundled_packs_load_and_every_rule_cites_a_source():
    for file in (UMP, GENEX):
        loaded = load_pack_file(file)
        sources = list(iter_sources(loaded.pack))
        assert len(sources) > 30
        assert all(s.seed or s.law for _, s in sources)


def test_every_seed_citation_is_verbatim(tmp_path):
    def edit(data):
        data["rules"]["kind"][0]["source"]["seed"] = "Appeals are decided by a coin toss."

    with pytest.raises(PackError) as info:
        load_pack_file(write_variant(tmp_path, UMP, edit))
    assert info.value.path == "rules.kind[0].source.seed"
    assert "not a verbatim passage" in info.value.message


@pytest.mark.parametrize(
    ("edit", "path", "fragment"),
    [
        (
            lambda d: d["processes"][1]["clocks"][0].update(unit="weeks"),
            "processes[1].clocks[0].unit",
            "hours",
        ),
        (
            lambda d: d["rules"]["handler"][0]["then"].update(handler="nobody"),
            "rules.handler[0].then.handler",
            "unknown handler 'nobody'",
        ),
        (
            lambda d: d["rules"]["kind"][2]["when"].update(requested="appael"),
            "rules.kind[2].when.requested",
            "'appael' is not a value of 'requested'",
        ),
        (
            lambda d: d["rules"]["kind"][0].update(when={"colour": "red"}),
            "rules.kind[0].when.colour",
            "unknown fact 'colour'",
        ),
        (lambda d: d.update(time_zone="Pacific/Nowhere"), "time_zone", "IANA time zone"),
        (lambda d: d.pop("handlers"), "handlers", "`handlers` is missing"),
        (
            lambda d: d["processes"][0]["clocks"][0].update(starts="lunch"),
            "processes[0].clocks[0].starts",
            "unknown event 'lunch'",
        ),
        (
            lambda d: d["processes"][1].update(
                next_level={"kind": "appeal", "level": 7, "source": {"spec": "x"}}
            ),
            "processes[1].next_level",
            "no process for kind appeal level 7",
        ),
        (
            lambda d: d["letters"].update(sender="the-plan"),
            "letters.sender",
            "unknown handler 'the-plan'",
        ),
    ],
)
def test_a_broken_pack_names_file_path_and_what_is_wrong(tmp_path, edit, path, fragment):
    file = write_variant(tmp_path, UMP, edit)
    with pytest.raises(PackError) as info:
        load_pack_file(file)
    err = info.value
    assert err.file == str(file)
    assert err.path == path
    assert fragment in err.message
    assert err.line is not None and err.line > 0
    # the line points into the YAML at (or just above) that path
    assert str(file) in str(err)


def test_error_line_points_at_the_offending_key(tmp_path):
    file = tmp_path / "bad.yaml"
    text = UMP.read_text().replace("  length: 180\n", "  length: -5\n", 1)
    file.write_text(text)
    (tmp_path / "seeds").mkdir()
    for seed in (BUNDLED_DIR / "seeds").iterdir():
        (tmp_path / "seeds" / seed.name).write_text(seed.read_text())
    with pytest.raises(PackError) as info:
        load_pack_file(file)
    line = text.splitlines()[info.value.line - 1]
    assert "length" in line or "basis" in line or "window" in line


def test_invalid_yaml_is_reported_with_its_line(tmp_path):
    file = tmp_path / "broken.yaml"
    file.write_text("program: x\nname: [unclosed\n")
    with pytest.raises(PackError, match=r"broken.yaml:\d+: not valid YAML"):
        load_pack_file(file)


LEGACY_GENEX = Path(__file__).with_name("fixtures") / "genex-ur-2026.1.yaml"


def test_a_pack_counting_on_a_holidays_release_pins_it(tmp_path):
    """Packs written before the dated tables (genex-ur 2026.1, still stored with its cases)
    took their holidays from the package: another release could move a deadline."""
    file = write_variant(
        tmp_path,
        LEGACY_GENEX,
        lambda d: d["calendar"]["holidays"].update(package_version="0.1"),
    )
    with pytest.raises(PackError) as info:
        load_pack_file(file)
    assert info.value.path == "calendar.holidays.package_version"
    assert "checked against holidays 0.1" in info.value.message


def test_a_cross_check_release_does_not_block_the_pack(tmp_path):
    # the table is the authority; the package only feeds `appealdesk calendar --diff`
    file = write_variant(
        tmp_path, GENEX, lambda d: d["calendar"]["crosscheck"].update(package_version="0.1")
    )
    assert load_pack_file(file).pack.calendar.crosscheck.package_version == "0.1"


def test_a_projected_year_is_the_rules_applied(tmp_path):
    def moved(data):
        year = next(y for y in data["calendar"]["years"] if y["year"] == 2027)
        christmas = next(h for h in year["holidays"] if h["name"] == "Christmas Day")
        christmas["date"] = dt.date(2027, 12, 24)  # the package's Friday, not the statute's

    with pytest.raises(PackError) as info:
        load_pack_file(write_variant(tmp_path, GENEX, moved))
    assert info.value.path.startswith("calendar.years[7].holidays")
    assert "2027 is projected" in info.value.message and "2027-12-24" in info.value.message


def test_a_published_day_outside_the_rules_names_its_source(tmp_path):
    def proclaimed(data):
        year = next(y for y in data["calendar"]["years"] if y["year"] == 2025)
        year["holidays"].append({"date": dt.date(2025, 12, 24), "name": "Christmas Eve"})

    with pytest.raises(PackError, match="name its source") as info:
        load_pack_file(write_variant(tmp_path, GENEX, proclaimed))
    assert info.value.path == "calendar.years[5].holidays[11]"


def test_the_version_in_force_on_the_receipt_date_governs(tmp_path):
    def v2027(data):
        data["version"] = "2027.1"
        data["effective_from"] = dt.date(2027, 1, 1)
        data["calendar"]["removed"] = [
            {
                "date": dt.date(2027, 11, 26),
                "name": "Day After Thanksgiving",
                "source": {"spec": "4.2: an administrator can remove it by date"},
            }
        ]

    newer = write_variant(tmp_path, GENEX, v2027, name="genex-ur-2027.yaml")
    registry = PackRegistry([load_pack_file(GENEX), load_pack_file(newer)])
    before = assess(genex(received_at="2026-11-25T09:00:00-08:00"), registry=registry)
    after = assess(
        genex(received_at="2027-11-24T09:00:00-08:00", occurrence_date="2027-06-01"),
        registry=registry,
    )
    assert before["pack_version"] == "2026.2"
    assert after["pack_version"] == "2027.1"
    ack = {d["clock"]: d for d in after["deadlines"]}["acknowledge"]
    # Thanksgiving 25 Nov 2027 still a holiday; the 26th removed, so it counts.
    assert ack["due_date"] == "2027-12-02"
    assert "-1 removed" in ack["calendar"] and "2027.1" in ack["calendar"]


def test_two_packs_of_one_version_are_refused(tmp_path):
    copy = write_variant(tmp_path, UMP, lambda d: None, name="ump-copy.yaml")
    with pytest.raises(PackError, match="also defined"):
        PackRegistry([load_pack_file(UMP), load_pack_file(copy)])


def test_a_third_program_is_only_a_pack(tmp_path, monkeypatch):
    """SPEC: 'A third program must be addable by writing a pack, without touching Python.'"""

    def other(data):
        data["program"] = "acme"
        data["name"] = "ACME Health"
        data["time_zone"] = "America/New_York"
        # its own calendar: the dated table of the list its law names (here one holiday)
        data["calendar"] = {
            "id": "ny-state",
            "authority": "New York's list",
            "years": [
                {
                    "year": 2026,
                    "status": "published",
                    "source": {"law": "New York General Construction Law 24"},
                    "holidays": [
                        {
                            "date": dt.date(2026, 11, 26),
                            "name": "Thanksgiving Day",
                            "source": {"law": "General Construction Law 24"},
                        }
                    ],
                }
            ],
            "source": {"spec": "3: calendars are data"},
        }
        data["intake"] = {
            "receipt_cutoffs": [
                {"channels": ["fax"], "after": "17:30", "source": {"spec": "3: receipt cut-off"}}
            ]
        }

    file = write_variant(tmp_path, GENEX, other, name="acme.yaml")
    monkeypatch.setenv("APPEALDESK_PACK_DIRS", str(tmp_path))
    from appealdesk.policy.loader import PackRegistry as Registry
    from appealdesk.policy.loader import pack_dirs

    registry = Registry.from_dirs(pack_dirs())
    assert "acme" in registry.programs() and file.exists()
    # SPEC 3: a fax after 5:30 p.m. local counts as received the next business day
    late_fax = assess(
        genex(program="acme", channel="fax", received_at="2026-11-25T17:45:00-05:00"),
        registry=registry,
    )
    # Thursday 26 November is Thanksgiving, a New York holiday; Friday 27th is a business day.
    assert late_fax["received_date"] == "2026-11-27"
    assert late_fax["received_at"] == "2026-11-27T00:00:00-05:00"
    assert any("after 17:30" in r for r in late_fax["reasons"])
    early_fax = assess(
        genex(program="acme", channel="fax", received_at="2026-11-25T17:00:00-05:00"),
        registry=registry,
    )
    assert early_fax["received_date"] == "2026-11-25"
    mailed = assess(
        genex(program="acme", channel="mail", received_at="2026-11-25T17:45:00-05:00"),
        registry=registry,
    )
    assert mailed["received_date"] == "2026-11-25"


def test_the_policy_package_never_imports_django():
    policy = Path(__file__).resolve().parents[2] / "appealdesk" / "policy"
    for file in policy.rglob("*.py"):
        tree = ast.parse(file.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "django" or n.startswith("django.") for n in names), file


def test_shipped_pack_versions_answer_the_spec_example():
    assert assess(ump())["pack_version"] == "2026.2"
