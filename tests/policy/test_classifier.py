"""The shipped request classifier (issue 17): the committed models, what assess makes of free
text, bad input, and the measures on the held-out corpus."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from appealdesk.policy import AssessError, assess, train
from appealdesk.policy.assess import program_for
from appealdesk.policy.classify import MODELS_DIR
from appealdesk.policy.loader import default_registry

APPEAL_CLOCKS = ["acknowledge", "decision_target", "decision"]


def email(text: str, program: str = "ump", **fields: object) -> dict[str, object]:
    """A request as the mailroom sees it: program, arrival, channel and the text, nothing else."""
    return {
        "program": program,
        "received_at": "2026-03-02T10:15:00-08:00",
        "channel": "email",
        "text": text,
        **fields,
    }


# -- the committed artifact ---------------------------------------------------------------------
def test_manifest_records_the_committed_models():
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"ump", "genex-ur"}
    for program, entry in manifest.items():
        data = (MODELS_DIR / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], program
        assert entry["pack_version"] == default_registry().latest(program).pack.version


@pytest.fixture(scope="module")
def fresh():
    registry = default_registry()
    return {
        program: (loaded, rows, train.fit(rows, loaded.pack))
        for program, (loaded, rows) in train.programs_with_examples(registry).items()
    }


def test_committed_models_equal_a_fresh_build_of_the_corpus(fresh, tmp_path):
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text(encoding="utf-8"))
    for program, (_, rows, fitted) in fresh.items():
        path = tmp_path / f"{program}.npz"
        from appealdesk.policy import textmodel

        textmodel.save(path, fitted.arrays)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == manifest[program]["sha256"], (
            f"{program}: the corpus changed since the model was built; "
            "run python -m appealdesk.policy.train"
        )
        assert manifest[program]["examples"] == len(rows)


def test_numpy_scorer_equals_sklearn_on_the_whole_corpus(fresh):
    for program, (_, rows, fitted) in fresh.items():
        texts = [r["text"] for r in rows]
        x = fitted.sklearn_features(texts)
        for head, estimator in fitted.estimators.items():
            want = estimator.predict_proba(x)
            got = np.array(
                [fitted.model.heads[head].proba(*_cols_vals(fitted.model, t)) for t in texts]
            )
            assert np.abs(want - got).max() < 1e-9, (program, head)


def _cols_vals(model, text):
    v = model.vectorise(text)
    return v.cols, v.vals


def test_the_product_does_not_import_scikit_learn():
    code = (
        "import sys; from appealdesk.policy import assess; "
        "r = assess({'program': 'ump', 'received_at': '2026-03-02T10:15:00-08:00', "
        "'text': 'you denied my claim, please pay it'}); "
        "assert r['classification']['method'] == 'model'; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- what assess makes of free text -------------------------------------------------------------
def test_the_issue_mri_email_is_an_appeal_with_its_clocks():
    result = assess(
        email(
            "you denied payment of my claim for the MRI on January 12. "
            "Please reconsider and pay it."
        )
    )
    assert (result["kind"], result["category"]) == ("appeal", "claim_payment")
    assert [d["clock"] for d in result["deadlines"]] == APPEAL_CLOCKS
    assert not any(d.get("provisional") for d in result["deadlines"])
    c = result["classification"]
    assert c["method"] == "model" and c["status"] == "classified"
    assert c["requested"]["value"] == "appeal"
    assert c["kind"] == {"status": "proposed", "reason": None}
    assert c["evidence"] and c["runner_up"]["probability"] < c["confidence"]


@pytest.mark.parametrize(
    "text",
    [
        # the phrase list missed these (issue 17): written for this test, not in the corpus
        "Re: denial of my MRI claim. I think this is wrong and want it looked at again.",
        "Hello, your letter says the claim for my daughter's ER visit will not be covered "
        "and I owe $1,840. Please reverse this and pay the hospital.",
        "Called about EOB dated 2/3 - plan paid zero on the knee x-ray, member wants it "
        "reprocessed and paid",
    ],
)
def test_payment_denials_in_other_words_are_appeals(text):
    result = assess(email(text))
    assert result["kind"] == "appeal"
    assert result["classification"]["class"] == "appeal"
    assert [d["clock"] for d in result["deadlines"]] == APPEAL_CLOCKS


def test_spanish_payment_denial_is_an_appeal():
    model = program_for(default_registry().latest("ump")).model
    if model is None or "es" not in model.languages:
        pytest.fail("the UMP model was trained without Spanish requests")
    result = assess(
        email(
            "Buenos días, me negaron el pago de la resonancia magnética del 12 de enero. "
            "Les pido que reconsideren la decisión y paguen la factura."
        )
    )
    assert result["kind"] == "appeal"
    assert [d["clock"] for d in result["deadlines"]] == APPEAL_CLOCKS


def test_a_denial_called_a_complaint_is_still_an_appeal():
    result = assess(
        email(
            "I want to file a complaint: you denied my claim for the physical therapy I had "
            "in April and I expect it to be paid.",
            requested="complaint",
        )
    )
    assert result["classification"]["class"] == "appeal"
    assert result["kind"] == "appeal"


def test_a_complaint_about_staff_without_requested_is_a_complaint():
    result = assess(
        email(
            "I am writing about the front desk at my clinic. The woman at check-in snapped at "
            "me, rolled her eyes and would not answer my question about my referral."
        )
    )
    assert result["kind"] == "complaint"
    assert [d["clock"] for d in result["deadlines"]] == ["response"]


def test_provider_urgency_proposes_the_expedited_track():
    result = assess(
        email(
            "URGENT - from Dr. Patel's office. Our patient's prior authorization for "
            "chemotherapy was denied. Waiting the standard time could seriously jeopardize "
            "her life. We request an expedited appeal.",
            channel="fax",
        )
    )
    assert result["expedited"] is True
    assert result["kind"] == "expedited_appeal"
    assert any("expedited track is proposed" in r for r in result["reasons"])


def test_genex_text_without_requested():
    result = assess(
        email(
            "The utilization review decision on my lumbar MRI request came 3 weeks after the "
            "deadline in the Labor Code. I am filing a grievance about the late decision.",
            program="genex-ur",
            channel="mail",
        )
    )
    assert result["category"] == "ur_timeliness"
    assert result["kind"] == "grievance"


# -- bad input: a proposal flagged for review with a reason, never a crash ----------------------
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("Case UMP-2026-000123", "too little text"),
        ("#48213-77", "too little text"),
        (
            "Sehr geehrte Damen und Herren, meine Krankenkasse hat die Zahlung für die "
            "Behandlung abgelehnt. Bitte prüfen Sie den Vorgang erneut.",
            "new to the classifier",
        ),
        ("我的保险公司拒绝支付我的医疗费用，请重新审查", "new to the classifier"),
        ("my claim was denied please pay it " * 40_000, "characters long"),
    ],
)
@pytest.mark.parametrize("program", ["ump", "genex-ur"])
def test_bad_text_needs_review_with_a_reason(text, reason, program):
    result = assess(email(text, program=program))
    c = result["classification"]
    assert c["status"] == "needs_review"
    assert reason in c["review_reason"]
    assert result["category"] is None and "category" in result["unknown"]
    assert c["kind"]["status"] == "needs_review"
    assert all(d["provisional"] for d in result["deadlines"])
    assert any("provisional" in r for r in result["reasons"])


def test_numbers_are_never_shown_as_evidence():
    result = assess(email("Case 2026-0042 claim 88812 denied 03/04/2026, pay 1,200 now"))
    c = result["classification"]
    shown = [e["term"] for e in c["evidence"]] + c["requested"]["evidence"]
    assert shown and all(any(ch.isalpha() for ch in term) for term in shown)


def test_a_megabyte_is_read_in_milliseconds_not_seconds():
    import time

    text = "my claim was denied please pay it " * 30_000
    start = time.perf_counter()
    assess(email(text))
    assert time.perf_counter() - start < 0.5


def test_errors_quote_at_most_80_characters_of_a_bad_value():
    huge = "z" * 1_000_000
    for field in ("category", "service", "received_at", "notice_date"):
        with pytest.raises(AssessError) as info:
            assess({**email("my claim was denied"), field: huge})
        assert len(str(info.value)) < 600, field
        assert "z" * 81 not in str(info.value)
        assert "1000000 characters" in str(info.value), field


def test_given_requested_and_expedited_are_never_overridden():
    text = "URGENT my doctor says the denied surgery cannot wait, please expedite"
    result = assess(email(text, requested="complaint", expedited=False))
    assert result["expedited"] is False
    c = result["classification"]
    assert c["requested"]["value"] in ("appeal", "complaint")  # shown, not used
    assert not any("requested not given" in r for r in result["reasons"])


# -- the measures of issue 17 on the held-out 20% -----------------------------------------------
@pytest.fixture(scope="module")
def reports():
    from appealdesk.policy import evaluate

    return {r.program: r for r in evaluate.evaluate()}


@pytest.mark.parametrize("program", ["ump", "genex-ur"])
def test_held_out_macro_f1_and_unflagged_mistakes_hold(reports, program):
    """Unflagged mistakes meet issue 17's bar (2%); macro-F1 holds the floor the shipped
    models reach (evaluate.MACRO_F1_FLOOR, at or above the issue's 0.90 for both programs)."""
    from appealdesk.policy.evaluate import MACRO_F1_FLOOR, WRONG_UNFLAGGED_BAR

    r = reports[program]
    assert r.test_size >= 0.19 * (r.train_size + r.test_size)
    assert r.macro_f1 >= MACRO_F1_FLOOR[program], r.f1
    assert r.wrong_unflagged <= WRONG_UNFLAGGED_BAR, r.mistakes
    assert r.kind_wrong_unflagged <= WRONG_UNFLAGGED_BAR
