"""The classifier's machinery on a small fixture corpus: the NumPy scorer is scikit-learn's
arithmetic, the artifact is reproducible, the review thresholds hold, a pack-local corpus
trains a third program without Python."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from appealdesk.policy import assess, classify, textmodel, train
from appealdesk.policy.loader import BUNDLED_DIR, PackRegistry, default_registry

FIXTURE = Path(__file__).parent / "fixtures" / "classifier"
ODD_TEXTS = [
    "",
    "   ",
    "Case UMP-2026-000123",
    "Je voudrais contester le refus de remboursement de ma consultation",
    "¡¡URGENTE!! la clínica no pagó 😡 " * 20,
    "x" * 30_000,
]


@pytest.fixture(scope="module")
def fixture_rows():
    return train.read_rows([FIXTURE], "ump")


@pytest.fixture(scope="module")
def fitted(fixture_rows):
    return train.fit(fixture_rows, default_registry().latest("ump").pack)


def test_numpy_scorer_equals_sklearn_predict_proba(fitted, fixture_rows):
    texts = [r["text"] for r in fixture_rows] + ODD_TEXTS
    x = fitted.sklearn_features(texts)
    for head in ("category", "requested", "expedited"):
        want = fitted.estimators[head].predict_proba(x)
        got = np.array([fitted.model.heads[head].proba(*_vec(fitted.model, t)) for t in texts])
        assert np.abs(want - got).max() < 1e-9, head


def _vec(model, text):
    v = model.vectorise(text)
    return v.cols, v.vals


def test_the_features_are_sklearn_tfidf_of_the_same_analyzer(fitted):
    text = "They DENIED my claim for the MRI on 1/12; please pay   it. Négaron el pago."
    dense = np.zeros(fitted.model.n_features)
    v = fitted.model.vectorise(text)
    dense[v.cols] = v.vals
    want = fitted.sklearn_features([text]).toarray()[0]
    assert np.abs(dense - want).max() < 1e-12


def test_char_ngrams_are_sklearn_char_wb():
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=textmodel.CHAR_NGRAMS)
    analyzer = vectorizer.build_analyzer()
    for word in ("a", "ab", "mri", "denied", "reclamacion"):
        assert textmodel.char_ngrams(word) == analyzer(word)


def test_normalise_drops_accents_case_and_digits():
    assert textmodel.normalise("  Reclamación\tNº 2026-11 ") == "reclamacion no 0000-00"


def test_artifact_is_byte_for_byte_reproducible_and_loads_back(fitted, tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    textmodel.save(first, fitted.arrays)
    textmodel.save(second, fitted.arrays)
    assert first.read_bytes() == second.read_bytes()
    loaded = textmodel.load(first, fitted.model.phrases)
    for text in ["my claim was not paid", *ODD_TEXTS]:
        a, b = loaded.score(text), fitted.model.score(text)
        assert np.array_equal(a.category, b.category)
        assert np.array_equal(a.requested, b.requested)
        assert a.expedited == b.expedited


def test_training_twice_gives_the_same_model(fixture_rows, fitted):
    again = train.fit(fixture_rows, default_registry().latest("ump").pack)
    for name, array in fitted.arrays.items():
        assert np.array_equal(array, again.arrays[name]), name


def test_split_is_stratified_disjoint_and_fixed(fixture_rows):
    train_rows, test_rows = train.split(fixture_rows)
    assert {r["id"] for r in train_rows}.isdisjoint({r["id"] for r in test_rows})
    assert len(train_rows) + len(test_rows) == len(fixture_rows)
    # 8 of each category: 2 of each held out (20%, rounded)
    assert sorted(train.counts(test_rows).values()) == [2, 2, 2]
    assert [r["id"] for r in train.split(fixture_rows)[1]] == [r["id"] for r in test_rows]
    assert [r["id"] for r in train.split(fixture_rows, seed=1)[1]] != [r["id"] for r in test_rows]


def test_a_translation_stays_on_the_side_of_its_original(fixture_rows):
    _, test_rows = train.split(fixture_rows)
    held = next(r["id"] for r in test_rows if r["category"] == "wait_time")
    partner = next(
        r["id"] for r in fixture_rows if r["category"] == "wait_time" and r["id"] != held
    )
    for pairs in ({partner: held}, {held: partner}):
        train_rows, test_rows = train.split(fixture_rows, pairs=pairs)
        sides = {r["id"]: "test" for r in test_rows} | {r["id"]: "train" for r in train_rows}
        assert sides[held] == sides[partner]
        assert len(train_rows) + len(test_rows) == len(fixture_rows)


def test_translation_pairs_are_read_from_the_corpus_folder(tmp_path):
    (tmp_path / "translations.tsv").write_text("es_id\ten_id\tmatched_on\nx-es-1\tx-en-9\tname\n")
    assert train.read_pairs([tmp_path]) == {"x-es-1": "x-en-9"}


def test_evidence_names_the_writers_words(fitted):
    v = fitted.model.vectorise("Receptionist was rude to me and yelled")
    words = [w for w, _ in fitted.model.evidence(v, "category", "staff_attitude")]
    assert words and set(words) <= {"receptionist", "rude", "yelled", "was", "me", "to", "and"}
    assert "rude" in words or "yelled" in words


# -- review thresholds, on a model whose probabilities are set by hand -------------------------
def _hand_model(margin_logit: float, pack) -> textmodel.TextModel:
    """Two categories; the word "alpha" adds `margin_logit` to claim_payment's score."""
    vocabulary = ["w:alpha", "w:beta", "w:gamma", "w:delta"]
    n = len(vocabulary) + len(pack.categories)
    coef = np.zeros((2, n))
    coef[0, 0] = margin_logit  # the tf-idf of "alpha" in "alpha beta gamma delta" is 0.5
    heads = {
        "category": textmodel.Head("category", ("claim_payment", "wait_time"), coef, np.zeros(2)),
        "requested": textmodel.Head("requested", ("appeal",), np.zeros((1, n)), np.zeros(1)),
        "expedited": textmodel.Head("expedited", ("no",), np.zeros((1, n)), np.zeros(1)),
    }
    return textmodel.TextModel(
        program="ump",
        vocabulary=vocabulary,
        idf=np.ones(4),
        known_words=["alpha", "beta", "gamma", "delta"],
        phrase_categories=list(pack.categories),
        phrase_weight=0.5,
        heads=heads,
        phrases=classify.phrase_set(pack),
        languages=["en"],
    )


@pytest.mark.parametrize(
    ("p_top", "status"),
    [(0.55, "needs_review"), (0.59, "needs_review"), (0.61, "classified"), (0.9, "classified")],
)
def test_top_two_closer_than_the_margin_need_review(p_top, status):
    # a pack that trusts the model from 0.5 up: the margin decides
    pack = default_registry().latest("ump").pack
    pack = pack.model_copy(
        update={"classifier": pack.classifier.model_copy(update={"min_probability": 0.5})}
    )
    # softmax of (0.5 * w, 0) = p  <=>  w = 2 * logit(p)
    model = _hand_model(2 * np.log(p_top / (1 - p_top)), pack)
    c = classify.classify_model(pack, model, "alpha beta gamma delta")
    assert round(c.confidence, 2) == p_top
    assert c.status == status
    if status == "needs_review":
        assert c.category is None and "close" in (c.review_reason or "")
        # both candidates are appeals or both complaints? here they differ: no class either
        assert c.category_class is None
    else:
        assert c.category == "claim_payment" and c.review_reason is None


def test_min_probability_of_the_pack_is_the_floor():
    pack = default_registry().latest("ump").pack
    assert pack.classifier.min_probability == 0.8
    strict = pack.model_copy(
        update={"classifier": pack.classifier.model_copy(update={"min_probability": 0.95})}
    )
    model = _hand_model(2 * np.log(0.9 / 0.1), pack)
    assert classify.classify_model(pack, model, "alpha beta gamma delta").status == "classified"
    c = classify.classify_model(strict, model, "alpha beta gamma delta")
    assert c.status == "needs_review" and "below 0.95" in (c.review_reason or "")


# -- a third program: a pack folder with its own corpus, no Python ------------------------------
def test_a_pack_local_corpus_trains_a_new_program(tmp_path, fixture_rows, monkeypatch):
    data = yaml.safe_load((BUNDLED_DIR / "ump.yaml").read_text(encoding="utf-8"))
    data["program"] = "acme"
    data["name"] = "Acme Health Plan"
    (tmp_path / "acme.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    shutil.copytree(BUNDLED_DIR / "seeds", tmp_path / "seeds")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with (corpus / "acme.en.1.jsonl").open("w", encoding="utf-8") as handle:
        for row in fixture_rows:
            clean = {k: v for k, v in row.items() if not k.startswith("_")}
            handle.write(json.dumps({**clean, "program": "acme"}) + "\n")
    registry = PackRegistry.from_dirs([tmp_path])
    lines = train.build(registry)
    assert [line.split(":")[0] for line in lines] == ["acme"]
    artifact = tmp_path / "models" / "acme.npz"
    manifest = json.loads((tmp_path / "models" / "manifest.json").read_text())
    assert manifest["acme"]["sha256"] == hashlib.sha256(artifact.read_bytes()).hexdigest()
    assert manifest["acme"]["examples"] == len(fixture_rows)
    train.build(registry, check=True)  # a fresh build is the same bytes

    result = assess(
        {
            "program": "acme",
            "received_at": "2026-03-02T10:15:00-08:00",
            "channel": "email",
            "text": "The receptionist was rude and disrespectful to me at the clinic.",
        },
        registry=registry,
    )
    assert result["classification"]["method"] == "model"
    assert result["classification"]["candidates"][0]["category"] == "staff_attitude"
    assert result["kind"] == "complaint"
