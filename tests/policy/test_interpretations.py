"""Interpretations stated, not silent (issue 20 item 3): where a pack fills a gap its seed
leaves, the rule says so (`interpretation:`), `packs show` lists it, and `assess` gives it in
`warnings` exactly when it decided the answer: each one is checked both ways below, with a
request it decides and a close one it does not."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from appealdesk.cli import app
from appealdesk.policy import PackError, PackRegistry, assess, load_pack_file
from appealdesk.policy.loader import default_registry
from appealdesk.policy.schema import Interpretation
from tests.conftest import genex, ump
from tests.policy.test_packs import GENEX, UMP, write_variant

EXPEDITED_UPHELD = {
    "kind": "expedited_appeal",
    "outcome": "upheld",
    "action": "deny",
    "letter_date": "2026-02-01",
}
L1_MISSED = {"kind": "appeal", "level": 1, "plan_missed_deadline": True}
IRO_BY_PROVIDER = {"requested": "external_review", "filed_by": "provider"}

# subject -> (a request it decides, a close request it does not decide)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # seed: "For complaints or concerns about the quality of care you received from any provider
    #        (including out-of-network providers):"  (cut off after its colon)
    "handler rule quality-of-care-other-providers": (
        ump(requested="complaint", category="quality_of_care", network_provider=False),
        ump(requested="complaint", category="quality_of_care", network_provider=True),
    ),
    "handler rule quality-of-care-other-providers-prescription": (
        ump(
            requested="complaint",
            category="quality_of_care",
            service="prescription",
            network_provider=None,
        ),
        ump(requested="complaint", category="wait_time", service="prescription"),
    ),
    # seed (medical only): "If you disagree with the expedited appeal decision, your provider
    #        may request an urgent expedited independent review."
    "admission rule iro-provider-urgent-other-services": (
        ump(**IRO_BY_PROVIDER, prior=EXPEDITED_UPHELD, service="prescription"),
        ump(**IRO_BY_PROVIDER, prior=EXPEDITED_UPHELD, service="medical"),
    ),
    # seed: "The plan will send confirmation upon receipt of your appeal." + WAC 284-43-3030
    "clock acknowledge: First-level appeal": (
        ump(),
        ump(requested="complaint", category="plan_service"),
    ),
    "clock acknowledge: Second-level appeal": (
        ump(prior={"kind": "appeal", "level": 1, "outcome": "upheld", "letter_date": "2026-02-20"}),
        # refused (the first level was overturned): no clock runs, nothing was decided by it
        ump(
            prior={"kind": "appeal", "level": 1, "outcome": "overturned"},
            notice_date="2026-02-20",
        ),
    ),
    "handler rule iro-coe": (
        ump(requested="external_review", prior=EXPEDITED_UPHELD, service="coe"),
        ump(requested="external_review", prior=EXPEDITED_UPHELD, service="medical"),
    ),
    "handler rule coe-expedited-appeals": (
        ump(filed_by="provider", expedited=True, service="coe", category="preauthorization"),
        ump(service="coe", category="preauthorization"),
    ),
    # seed: "You can ask your provider to request an expedited appeal if the plan denies ..."
    "kind rule expedited-medical-needs-provider": (
        ump(filed_by="member", expedited=True),
        ump(filed_by="provider", expedited=True),
    ),
    # seed: "An expedited appeal replaces the first- and second-level appeals."
    "filing window: Expedited appeal": (
        ump(filed_by="provider", expedited=True),
        # a COE decision that cannot be appealed: no window applies, so none decided it
        ump(filed_by="provider", expedited=True, category="coe_medical_appropriateness"),
    ),
    "clock verbal_notice: Expedited appeal": (
        ump(filed_by="provider", expedited=True),
        ump(filed_by="provider", expedited=True, received_at="2026-12-01T09:00:00-08:00"),
    ),
    # seed: "If the plan has exceeded the timelines for response to your appeal without good
    #        cause and without reaching a decision."
    "admission rule iro-immediate-missed-timeline-good-cause-unknown": (
        ump(requested="external_review", prior=L1_MISSED),
        ump(requested="external_review", prior={**L1_MISSED, "good_cause": False}),
    ),
    "admission rule path-closed-after-dismissal-reason-unknown": (
        ump(prior={"kind": "appeal", "level": 1, "outcome": "dismissed"}),
        ump(prior={"kind": "appeal", "level": 1, "outcome": "dismissed_untimely"}),
    ),
    "admission rule not-appealable-after-dismissal": (
        ump(prior={"kind": "appeal", "level": 1, "outcome": "dismissed_not_appealable"}),
        # the matter itself is not appealable: the COE rule decides, before any prior
        ump(
            category="coe_medical_appropriateness",
            prior={"kind": "appeal", "level": 1, "outcome": "dismissed_not_appealable"},
        ),
    ),
    "admission rule second-level-after-withdrawal": (
        ump(level=2, prior={"kind": "appeal", "level": 1, "outcome": "dismissed_withdrawn"}),
        ump(level=2, prior={"kind": "appeal", "level": 1, "outcome": "upheld"}),
    ),
    "admission rule iro-after-withdrawal": (
        ump(
            requested="external_review",
            prior={"kind": "appeal", "level": 2, "outcome": "withdrawn"},
        ),
        # a process failure gives an immediate review, withdrawal or not
        ump(
            requested="external_review",
            prior={"kind": "appeal", "level": 2, "outcome": "withdrawn", "process_failure": True},
        ),
    ),
    "admission rule refile-after-withdrawal": (
        ump(prior={"kind": "appeal", "level": 1, "outcome": "dismissed_withdrawn"}),
        ump(prior={"kind": "appeal", "level": 1, "outcome": "upheld"}),
    ),
    "filing window: Second-level appeal": (
        ump(
            prior={"kind": "appeal", "level": 2, "outcome": "dismissed_withdrawn"},
            notice_date="2026-02-20",
        ),
        ump(prior={"kind": "appeal", "level": 1, "outcome": "upheld", "letter_date": "2026-02-20"}),
    ),
    "filing window: Independent review (IRO)": (
        ump(
            requested="external_review",
            prior={"kind": "external_review", "outcome": "dismissed_withdrawn"},
            notice_date="2026-02-01",
        ),
        ump(requested="external_review", prior={**EXPEDITED_UPHELD}),
    ),
    # Genex seed: "Grievances must be submitted in writing and shall contain:"
    "a request by email taken as written": (
        genex(channel="email"),
        genex(channel="email", written=True),
    ),
    # Genex seed: "...allows a formal request for clinical appeals consideration of an adverse
    #        determination."
    "kind rule appeal-of-unknown-subject": (
        genex(requested="appeal", category=None, filed_by="provider"),
        genex(requested="appeal", category="clinical_determination", filed_by="provider"),
    ),
    "admission rule grievance-after-dismissal": (
        genex(prior={"kind": "grievance", "outcome": "dismissed_withdrawn"}),
        genex(prior={"kind": "grievance", "outcome": "upheld"}),
    ),
    # Genex seed: "...shall investigate the grievance within 30 days of receipt."
    "clock investigation: Formal grievance": (
        genex(),
        genex(channel="phone"),  # an oral grievance: informal resolution, no clocks
    ),
}


def every_interpretation() -> list[Interpretation]:
    registry = default_registry()
    return [
        item
        for program in registry.programs()
        for item in registry.latest(program).pack.interpretations()
    ]


def warned(result: dict[str, Any], subject: str) -> bool:
    """Whether the answer states the interpretation of `subject` as one that decided it."""
    item = next(i for i in every_interpretation() if i.subject == subject)
    for warning in result["warnings"]:
        head, _, text = warning.partition("): ")
        if text == item.text and head.startswith("interpretation ("):
            return subject in head.removeprefix("interpretation (").split("; ")
    return False


def test_every_interpretation_of_the_shipped_packs_is_tested_both_ways():
    assert {i.subject for i in every_interpretation()} == set(CASES)


@pytest.mark.parametrize("subject", sorted(CASES))
def test_the_warning_is_given_when_the_interpretation_decided(subject):
    decided, _ = CASES[subject]
    result = assess(decided)
    assert warned(result, subject), result["reasons"]


@pytest.mark.parametrize("subject", sorted(CASES))
def test_no_warning_when_the_interpretation_did_not_decide(subject):
    _, not_decided = CASES[subject]
    result = assess(not_decided)
    assert not warned(result, subject)


def test_the_listed_items_are_the_ones_named_in_the_brief():
    subjects = {i.subject for i in every_interpretation()}
    # the out-of-network quality-of-care sentence, the provider's urgent IRO for drugs, the
    # Genex e-mail, and the 72 hours taken from WAC 284-43-3030
    assert {
        "handler rule quality-of-care-other-providers",
        "admission rule iro-provider-urgent-other-services",
        "a request by email taken as written",
        "clock acknowledge: First-level appeal",
    } <= subjects


def test_a_warning_names_what_it_decided_and_keeps_the_other_fields():
    result = assess(genex(channel="email"))
    (warning,) = [w for w in result["warnings"] if w.startswith("interpretation (a request")]
    assert warning.startswith("interpretation (a request by email taken as written): ")
    assert result["kind"] == "grievance" and result["disposition"] == "accept"
    # the other reading of the channel: informal resolution by phone
    assert assess(genex(channel="email", written=False))["disposition"] == "informal"


def test_the_email_reading_is_silent_where_writing_changes_nothing():
    clinical = genex(
        channel="email",
        requested="clinical_appeal",
        category="clinical_determination",
        filed_by="provider",
    )
    result = assess(clinical)
    assert not any("taken as written" in w for w in result["warnings"])


def test_one_interpretation_is_warned_once_per_answer():
    # the withdrawal reading decides both the admission rule and the second-level window
    result = assess(
        ump(
            prior={"kind": "appeal", "level": 2, "outcome": "dismissed_withdrawn"},
            notice_date="2026-02-20",
        )
    )
    (withdrawal,) = [w for w in result["warnings"] if "says nothing about withdrawn appeals" in w]
    assert withdrawal.startswith(
        "interpretation (admission rule refile-after-withdrawal; "
        "filing window: Second-level appeal): "
    )


# -- the pack side -----------------------------------------------------------------------------
runner = CliRunner()


@pytest.mark.parametrize("program", ["ump", "genex-ur"])
def test_packs_show_lists_every_interpretation(program):
    shown = runner.invoke(app, ["packs", "show", program])
    assert shown.exit_code == 0
    found = default_registry().latest(program).pack.interpretations()
    texts = {i.text for i in found}
    assert f"interpretations: where the seed leaves a gap ({len(found)})" in shown.output
    section = shown.output.split("interpretations: where the seed leaves a gap")[1]
    for item in found:
        assert item.subject in section and item.path in section
    for text in texts:
        assert text in section
    assert section.count("reading:") == len(texts)


def test_packs_show_json_carries_the_interpretation_fields():
    import json

    shown = json.loads(runner.invoke(app, ["packs", "show", "genex-ur", "--json"]).output)
    assert "e-mail" in shown["intake"]["written_channel_notes"]["email"]["interpretation"]


def test_an_empty_interpretation_is_refused(tmp_path):
    def edit(data):
        data["rules"]["kind"][0]["interpretation"] = "   "

    with pytest.raises(PackError) as info:
        load_pack_file(write_variant(tmp_path, UMP, edit))
    assert info.value.path == "rules.kind[0].interpretation"


def test_a_channel_reading_names_a_channel_and_cites_a_source(tmp_path):
    def bad_channel(data):
        data["intake"]["written_channel_notes"]["pigeon"] = {
            "interpretation": "a pigeon is a writing",
            "source": {"seed": "Grievances must be submitted in writing and shall contain:"},
        }

    with pytest.raises(PackError) as info:
        load_pack_file(write_variant(tmp_path, GENEX, bad_channel))
    assert "written_channel_notes" in info.value.path

    def no_source(data):
        del data["intake"]["written_channel_notes"]["email"]["source"]

    with pytest.raises(PackError) as info:
        load_pack_file(write_variant(tmp_path, GENEX, no_source))
    assert info.value.path == "intake.written_channel_notes.email.source"


def test_a_pack_without_interpretations_says_so(tmp_path):
    def strip(data):
        data["intake"].pop("written_channel_notes")
        for phase in data["rules"].values():
            for rule in phase:
                rule.pop("interpretation", None)
        for process in data["processes"]:
            for clock in process.get("clocks", []):
                clock.pop("interpretation", None)

    loaded = load_pack_file(write_variant(tmp_path, GENEX, strip))
    assert loaded.pack.interpretations() == []
    from rich.console import Console

    from appealdesk.policy.render import render_interpretations

    console = Console(record=True, width=200)
    render_interpretations(loaded, console)
    assert "none: every rule follows from its seed" in console.export_text()
    # the same requests answer the same, without the warnings the shipped pack gives
    stripped = PackRegistry([loaded])
    for request in (genex(channel="email"), genex(requested="appeal", category=None)):
        shipped, bare = assess(request), assess(request, registry=stripped)
        assert any(w.startswith("interpretation") for w in shipped["warnings"])
        assert not any(w.startswith("interpretation") for w in bare["warnings"])
        # (the copy has no trained text model beside it, so its classification differs)
        same = ("kind", "level", "disposition", "handler", "rejection", "filing", "deadlines")
        assert [shipped[k] for k in same] == [bare[k] for k in same]
