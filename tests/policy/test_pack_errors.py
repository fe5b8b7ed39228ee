"""Every problem of a pack at once, each `file:line: path: what is wrong — what to write
instead` (issue 23): the hint of every kind of message is checked here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from appealdesk.policy import PackError, PackRegistry, assess, load_pack_file
from appealdesk.policy.loader import load_pack_text, pack_dirs
from tests.policy.packfactory import SOURCE, clock, load, pack_data, window


def _problems(data, file: Path | None = None):
    with pytest.raises(PackError) as info:
        load(data, file)
    return info.value.problems


def _edit(fn, **pack):
    data = pack_data(**pack)
    fn(data)
    return data


def _grievance(data):
    return data["processes"][0]


CASES = [
    # (what breaks, path, what is wrong, what to write instead)
    (
        _edit(lambda d: d.pop("handlers")),
        "handlers",
        "`handlers` is missing",
        "add `handlers: {my-handler:",
    ),
    (
        _edit(lambda d: d["calendar"].update(weekends=["fri"])),
        "calendar.weekends",
        "unknown key `weekends`",
        "did you mean `weekend`?",
    ),
    (
        _edit(lambda d: d["calendar"].update(weekend=["sat", "sunday"])),
        "calendar.weekend",
        "'sunday' is not a weekday",
        "use mon, tue",
    ),
    (
        _edit(
            lambda d: d["calendar"].update(
                weekend=["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            )
        ),
        "calendar.weekend",
        "every day of the week is a weekend day",
        "e.g. [sat, sun]",
    ),
    (
        _edit(lambda d: d["calendar"]["opening_hours"].update(closes=1050)),
        "calendar.opening_hours.closes",
        "1050 is a number, not a time of day",
        "quote the time, e.g. '17:30'",
    ),
    (
        _edit(lambda d: d["calendar"]["opening_hours"].update(opens="18:00")),
        "calendar.opening_hours.closes",
        "is not after opens (18:00)",
        "e.g. '09:00' to '17:30'",
    ),
    (
        _edit(lambda d: d.update(time_zone="Pacific/Nowhere")),
        "time_zone",
        "is not an IANA time zone",
        "e.g. America/Los_Angeles",
    ),
    (
        _edit(lambda d: d.update(effective_from="first of March")),
        "effective_from",
        "Input should be a valid date",
        "write a date as YYYY-MM-DD",
    ),
    (
        _edit(lambda d: d["handlers"].update({"The Desk": d["handlers"]["desk"]})),
        "handlers.The Desk",
        "ids are lower case letters",
        "e.g. the-desk",
    ),
    (
        _edit(lambda d: d["rules"]["handler"][0]["then"].update(handler="dsk")),
        "rules.handler[0].then.handler",
        "unknown handler 'dsk'",
        "did you mean 'desk'? use one of: desk",
    ),
    (
        _edit(lambda d: d["rules"]["handler"][0]["then"].pop("handler")),
        "rules.handler[0].then.handler",
        "a handler rule must name a handler",
        "add `then: {handler: <id>}` with one of: desk",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0].update(when={"colour": "red"})),
        "rules.kind[0].when.colour",
        "unknown fact 'colour'",
        "use one of:",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0].update(when={"requested": "appael"})),
        "rules.kind[0].when.requested",
        "'appael' is not a value of 'requested'",
        "use one of: appeal,",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0].update(when={"any": []})),
        "rules.kind[0].when.any",
        "'any' takes a non-empty list of conditions",
        "e.g. any: [",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0].update(when={"category": {"no": "service"}})),
        "rules.kind[0].when.category",
        "a mapping value must be {not: value-or-list}",
        "e.g. {not: [a, b]}",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0].update(when=["service"])),
        "rules.kind[0].when",
        "Input should be a valid dictionary",
        "write a mapping here",
    ),
    (
        _edit(
            lambda d: d["rules"]["kind"][0]["then"].update(kind="expedited_appeal", expedited=False)
        ),
        "rules.kind[0].then.expedited",
        "an expedited appeal that is not expedited contradicts itself",
        "remove `expedited: false`",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0]["then"].update(disposition="reject")),
        "rules.kind[0].then",
        "'rejection' is given exactly when disposition is 'reject'",
        "add `rejection: {code:",
    ),
    (
        _edit(lambda d: d["rules"]["kind"][0].update(source={"note": "trust me"})),
        "rules.kind[0].source",
        "a source needs at least one of seed, law or spec",
        "cite the sentence",
    ),
    (
        _edit(lambda d: d["processes"].append(dict(d["processes"][0]))),
        "processes[1]",
        "a second process for kind grievance",
        "merge the two",
    ),
    (
        _edit(
            lambda d: _grievance(d).update(
                next_level={"kind": "appeal", "level": 2, "source": SOURCE}
            )
        ),
        "processes[0].next_level",
        "no process for kind appeal level 2",
        "point `next_level` at one of: grievance",
    ),
    (
        pack_data(filing=[{"when": {"expedited": True}}]),
        "processes[0].filing[0]",
        "a filing variant says its window",
        "write `window: null` when none applies",
    ),
    (
        pack_data(filing=[{"window": window(), "windows": [window()]}]),
        "processes[0].filing[0]",
        "both `window:` and `windows:` are given",
        "put every window under `windows:`",
    ),
    (
        pack_data(filing=[{"window": window(unit="hours")}]),
        "processes[0].filing[0].window.unit",
        "a filing window counts from a date",
        "write calendar_days, business_days, months or years",
    ),
    (
        pack_data(filing=[{"window": window(unit="weeks")}]),
        "processes[0].filing[0].window.unit",
        "`unit` cannot be 'weeks'",
        "write one of: calendar_days, business_days, months, years",
    ),
    (
        pack_data(filing=[{"window": window(direction="before")}]),
        "processes[0].filing[0].window.direction",
        "`direction` cannot be 'before'",
        "write one of: not_after, not_before",
    ),
    (
        pack_data(filing=[{"window": window(strength="firm")}]),
        "processes[0].filing[0].window.strength",
        "`strength` cannot be 'firm'",
        "write one of: hard, soft, good_cause",
    ),
    (
        pack_data(filing=[{"window": window(basis=["decision_date"])}]),
        "processes[0].filing[0].window.basis",
        "'decision_date' is not a date of the request",
        "a window counts from one of notice_date, occurrence_date, prior.letter_date",
    ),
    (
        pack_data(filing=[{"window": window(length=-5)}]),
        "processes[0].filing[0].window.length",
        "greater than or equal to 0",
        "write a number of at least 0",
    ),
    (
        pack_data(filing=[{"window": window(length="sixty")}]),
        "processes[0].filing[0].window.length",
        "valid integer",
        "write a whole number, e.g. 30",
    ),
    (
        pack_data(clocks=[clock("answer", "calendar_days", 0)]),
        "processes[0].clocks[0].length",
        "0 calendar days is due at the start",
        "write `unit: immediate`",
    ),
    (
        pack_data(clocks=[clock("answer", "immediate", 3)]),
        "processes[0].clocks[0].length",
        "an immediate clock is due at its start, so it has no length",
        "remove `length:`",
    ),
    (
        pack_data(clocks=[clock("answer", "calendar_days")]),
        "processes[0].clocks[0].length",
        "`length` is missing",
        "add `length: 30`",
    ),
    (
        pack_data(
            clocks=[clock("answer", "business_hours", 4)], calendar={"id": "x", "source": SOURCE}
        ),
        "processes[0].clocks[0].unit",
        "calendar x has no opening hours",
        "add `opening_hours: {opens: '09:00'",
    ),
    (
        pack_data(clocks=[clock("answer", "hours", 24, met_by=["decidd"])]),
        "processes[0].clocks[0].met_by[0]",
        "unknown event 'decidd'",
        "did you mean 'decided'?",
    ),
    (
        pack_data(clocks=[clock("answer", "hours", 24), clock("answer", "hours", 48)]),
        "processes[0].clocks[1].id",
        "a second clock 'answer' in this process",
        "give each clock its own id",
    ),
    (
        pack_data(clocks=[clock("answer", "hours", 24, met_by=[])]),
        "processes[0].clocks[0].met_by",
        "at least 1 item",
        "give at least 1 item(s)",
    ),
    (
        pack_data(clocks=[clock("answer", "hours", 24, binding="yes please")]),
        "processes[0].clocks[0].binding",
        "valid boolean",
        "write true or false",
    ),
    (
        pack_data(clocks=[clock("answer", "hours", 24, track="fast")]),
        "processes[0].clocks[0].track",
        "`track` cannot be 'fast'",
        "write one of: standard, urgent",
    ),
]


@pytest.mark.parametrize(("data", "path", "wrong", "instead"), CASES)
def test_every_message_says_what_to_write_instead(data, path, wrong, instead):
    problems = _problems(data)
    found = next((p for p in problems if p.path == path), None)
    assert found is not None, [str(p) for p in problems]
    what, _, hint = found.message.partition(" — ")
    assert wrong in what, found.message
    assert instead in hint, found.message
    assert found.line is not None and found.line > 0
    assert str(found).startswith(f"test.yaml:{found.line}: {path}: ")


def test_every_problem_is_reported_at_once_in_the_order_of_the_file(tmp_path):
    data = pack_data(
        clocks=[clock("a", "calendar_days", 0), clock("b", "weeks", 3)],
        filing=[{"window": window(unit="hours")}],
    )
    data["calendar"]["weekends"] = ["fri"]
    problems = _problems(data, tmp_path / "many.yaml")
    assert [p.path for p in problems] == [
        "calendar.weekends",
        "processes[0].filing[0].window.unit",
        "processes[0].clocks[0].length",
        "processes[0].clocks[1].unit",
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    with pytest.raises(PackError) as info:
        load(data, tmp_path / "many.yaml")
    assert len(str(info.value).splitlines()) == 4


def test_the_cross_references_are_all_reported_together():
    data = pack_data(clocks=[clock("a", "hours", 1, met_by=["nope"])])
    data["rules"]["handler"][0]["then"]["handler"] = "nobody"
    data["rules"]["kind"][0]["when"] = {"colour": "red"}
    paths = [p.path for p in _problems(data)]
    assert paths == [
        "rules.kind[0].when.colour",
        "rules.handler[0].then.handler",
        "processes[0].clocks[0].met_by[0]",
    ]


def test_lines_point_at_the_key_even_inside_shared_anchors(tmp_path):
    text = """\
program: test
name: Test
version: "1"
effective_from: 2020-01-01
time_zone: America/Los_Angeles
calendar: {id: ca, source: {spec: x}}
handlers: {desk: {name: Desk, role: decides, source: {spec: x}}}
categories: {service: {label: Service, class: grievance, source: {spec: x}}}
rules:
  kind: [{id: g, then: {kind: grievance}, reason: r, source: {spec: x}}]
  handler: [{id: d, then: {handler: desk}, reason: r, source: {spec: x}}]
x-clocks: &clocks
  - id: answer
    label: Answer
    unit: fortnights
    length: 2
    met_by: [decided]
    source: {spec: x}
processes:
  - {kind: grievance, label: G, filing: [{window: null}], clocks: *clocks}
"""
    with pytest.raises(PackError) as info:
        load_pack_text(text, tmp_path / "anchors.yaml")
    assert str(info.value.problems[0]).startswith(
        f"{tmp_path / 'anchors.yaml'}:15: processes[0].clocks[0].unit: `unit` cannot be"
    )


def test_a_key_written_twice_is_reported(tmp_path):
    text = yaml.safe_dump(pack_data(), sort_keys=False) + "name: Another name\n"
    with pytest.raises(PackError) as info:
        load_pack_text(text, tmp_path / "twice.yaml")
    problem = info.value.problems[0]
    assert problem.path == "name" and problem.line == text.count("\n")
    assert "appears twice (first on line 2)" in problem.message
    assert "keep one of them" in problem.message


def test_broken_yaml_says_where_and_how_to_fix_it(tmp_path):
    file = tmp_path / "broken.yaml"
    file.write_text("program: x\nname: [unclosed\n")
    with pytest.raises(PackError) as info:
        load_pack_file(file)
    assert str(info.value).startswith(f"{file}:3: not valid YAML")
    assert "check the indentation and quoting" in info.value.message


def test_a_seed_document_not_found_names_where_it_was_looked_for(tmp_path):
    problems = _problems(pack_data(seed_document="seeds/nowhere.txt"), tmp_path / "p.yaml")
    assert problems[0].path == "seed_document"
    assert str(tmp_path / "seeds" / "nowhere.txt") in problems[0].message
    assert "appealdesk/policy/packs/seeds/nowhere.txt" in problems[0].message
    assert "put the source text beside the pack" in problems[0].message


def test_a_citation_that_is_not_verbatim_is_reported_with_every_other(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "rules.txt").write_text("A grievance is answered within 30 days.\n")
    data = pack_data(seed_document="seeds/rules.txt")
    data["rules"]["kind"][0]["source"] = {"seed": "A grievance is answered within 30 days."}
    data["rules"]["handler"][0]["source"] = {"seed": "A grievance is answered within 3 days."}
    data["calendar"]["weekends"] = ["fri"]
    problems = _problems(data, tmp_path / "p.yaml")
    assert [p.path for p in problems] == [
        "calendar.weekends",
        "rules.handler[0].source.seed",
    ]
    assert "copy the sentence exactly as the source says it" in problems[1].message


def test_the_unknown_program_error_names_the_pack_folders_and_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("APPEALDESK_PACK_DIRS", str(tmp_path))
    registry = PackRegistry.from_dirs(pack_dirs())
    from appealdesk.policy.assess import AssessError

    with pytest.raises(AssessError) as info:
        assess({"program": "dmhc", "received_at": "2026-03-02T10:15:00-08:00"}, registry=registry)
    message = str(info.value)
    assert message.startswith("program: unknown program 'dmhc'; known: ")
    assert "appealdesk/policy/packs" in message and str(tmp_path) in message
    assert "$APPEALDESK_PACK_DIRS" in message


def test_a_folder_of_packs_reports_every_broken_file_and_skips_cases_files(tmp_path):
    for name in ("a", "b"):
        data = pack_data(program=name)
        data["calendar"]["weekends"] = ["fri"]
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "a.cases.yaml").write_text("cases: []\n")
    with pytest.raises(PackError) as info:
        PackRegistry.from_dirs([tmp_path])
    assert sorted(Path(p.file).name for p in info.value.problems) == ["a.yaml", "b.yaml"]
