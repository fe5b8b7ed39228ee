"""Classification of free text into a pack category, and what the writer asks for.

With a trained model for the program (`models/<program>.npz`, see `textmodel` and `train`), the
model proposes the category with calibrated probabilities, the words that pushed toward it and
the runner-up; it also proposes `requested` and the expedited track when the request does not
say them. The pack's rules still decide the kind from the category (`assess`).

Without a model (a new pack nobody has trained yet) the pack's phrases decide: each phrase that
occurs in the text (whole words, any case) scores one point for its category.

Either way an unclear request is `needs_review` with a reason, never a guess presented as
certain. When the leading categories share a class (say two kinds of appeal), the class is
still known and is reported as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from appealdesk.policy import textmodel
from appealdesk.policy.loader import BUNDLED_DIR, LoadedPack
from appealdesk.policy.schema import Pack

MODELS_DIR = Path(__file__).with_name("models")
# Two categories closer than this in probability are a call for a person, not the model.
MARGIN = 0.2
# A class (appeal, complaint, ...) is known when its categories together are at least this likely.
CLASS_CONFIDENCE = 0.8
# An alternative at least this likely is a real possibility when judging whether the kind is sure.
ALTERNATIVE = 0.2
# Fewer words than this (letters, not numbers) is not a request one can read: "case 2026-0042".
MIN_WORDS = 3
# A text whose words are mostly new to the model is out of its languages (or its domain).
MIN_KNOWN_SHARE = 0.5
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@dataclass(frozen=True)
class Proposal:
    """What the text says the writer asks for (`requested`) or whether it is urgent."""

    value: str
    probability: float
    status: str  # proposed | needs_review
    alternatives: tuple[tuple[str, float], ...] = ()  # other values, most likely first
    evidence: tuple[tuple[str, float], ...] = ()

    def plausible(self) -> list[str]:
        """The values worth considering: the proposal and any likely alternative."""
        return [self.value, *(v for v, p in self.alternatives if p >= ALTERNATIVE)]

    def as_dict(self) -> dict[str, object]:
        runner = self.alternatives[0] if self.alternatives else None
        return {
            "value": self.value,
            "probability": self.probability,
            "status": self.status,
            "runner_up": {"value": runner[0], "probability": runner[1]} if runner else None,
            "evidence": [t for t, _ in self.evidence],
        }


@dataclass(frozen=True)
class Classification:
    status: str  # given | classified | needs_review | unknown
    category: str | None
    category_class: str | None
    confidence: float
    matched: tuple[str, ...] = ()
    candidates: tuple[tuple[str, float], ...] = field(default=())
    method: str = "phrases"  # given | model | phrases
    review_reason: str | None = None
    evidence: tuple[tuple[str, float], ...] = ()
    requested: Proposal | None = None
    expedited: Proposal | None = None

    @property
    def runner_up(self) -> tuple[str, float] | None:
        leader = self.category or (self.candidates[0][0] if self.candidates else None)
        others = [(c, s) for c, s in self.candidates if c != leader]
        return others[0] if others else None

    def plausible(self) -> list[str]:
        """The categories worth considering when judging whether the kind is sure."""
        if self.status in ("given", "unknown") or self.method != "model":
            return [self.category] if self.category else []
        return [c for c, p in self.candidates if p >= ALTERNATIVE]

    def as_dict(self) -> dict[str, object]:
        runner = self.runner_up if self.method == "model" else None
        return {
            "status": self.status,
            "category": self.category,
            "class": self.category_class,
            "confidence": self.confidence,
            "matched": list(self.matched),
            "candidates": [{"category": c, "score": s} for c, s in self.candidates],
            "method": self.method,
            "review_reason": self.review_reason,
            "evidence": [{"term": t, "weight": w} for t, w in self.evidence],
            "runner_up": {"category": runner[0], "probability": runner[1]} if runner else None,
            "requested": self.requested.as_dict() if self.requested else None,
            "expedited": self.expedited.as_dict() if self.expedited else None,
        }


Patterns = tuple[tuple[str, str, re.Pattern[str]], ...]


def compile_patterns(pack: Pack) -> Patterns:
    return tuple(
        (cid, phrase, re.compile(rf"\b{re.escape(phrase.lower())}\b"))
        for cid, cat in pack.categories.items()
        for phrase in cat.phrases
    )


def given(pack: Pack, category: str) -> Classification:
    return Classification("given", category, pack.categories[category].class_, 1.0, method="given")


# -- the trained model ---------------------------------------------------------------------------
def models_dir_for(loaded: LoadedPack) -> Path:
    """Shipped packs' models live in the package; another pack folder keeps its own beside it."""
    folder = loaded.file.resolve().parent
    return MODELS_DIR if folder == BUNDLED_DIR.resolve() else folder / "models"


def phrase_set(pack: Pack) -> textmodel.PhraseSet:
    return textmodel.compile_phrases(
        (cid, phrase) for cid, cat in pack.categories.items() for phrase in cat.phrases
    )


def model_for(loaded: LoadedPack) -> textmodel.TextModel | None:
    """The program's trained model, if one was built and it knows only this pack's categories."""
    path = models_dir_for(loaded) / f"{loaded.pack.program}.npz"
    if not path.exists():
        return None
    model = textmodel.load(path, phrase_set(loaded.pack))
    if not set(model.heads["category"].classes) <= set(loaded.pack.categories):
        return None  # trained on another version's categories: the phrases decide
    return model


def _ranked(classes: tuple[str, ...], proba: textmodel.FloatArray) -> list[tuple[str, float]]:
    order = sorted(range(len(classes)), key=lambda i: (-float(proba[i]), classes[i]))
    return [(classes[i], round(float(proba[i]), 4)) for i in order]


def _out_of_domain(model: textmodel.TextModel, text: str, v: textmodel.Vector) -> str | None:
    if not text.strip():
        return "the text is empty"
    letters = [t for t in v.tokens if not t.isdigit()]
    # The language test comes first: a line of Chinese is two "words" to the tokenizer.
    if letters and v.known_share < MIN_KNOWN_SHARE:
        names = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in model.languages)
        return (
            f"most of its words ({1 - v.known_share:.0%}) are new to the classifier, which was "
            f"trained on requests in {names}: another language or another subject"
        )
    if len(letters) < MIN_WORDS:
        return (
            f"too little text to read ({len(letters)} word{'s' if len(letters) != 1 else ''}"
            f"{', the rest numbers' if len(letters) < len(v.tokens) else ''})"
        )
    if len(text) > textmodel.MAX_CHARS:
        return (
            f"the text is {len(text):,} characters long; only the first "
            f"{textmodel.MAX_CHARS:,} were read"
        )
    return None


def classify_model(pack: Pack, model: textmodel.TextModel, text: str | None) -> Classification:
    """The model's proposal for `text`: category, requested and expedited, each with its
    probability, evidence and, when unsure, `needs_review` with the reason."""
    if text is None:
        return Classification("unknown", None, None, 0.0, method="model")
    # An empty text is scored too: its `requested` proposal (the corpus's prior) is flagged for
    # review like any out-of-domain text, so the answer still has a kind, marked provisional.
    scores = model.score(text)
    v = scores.vector
    ranked = _ranked(model.heads["category"].classes, scores.category)
    (top, p1), (_, p2) = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
    out_of_domain = _out_of_domain(model, text, v)
    reason = out_of_domain
    if reason is None and p1 < pack.classifier.min_probability:
        reason = (
            f"no category is likely enough: {top} has {p1:.2f} "
            f"(below {pack.classifier.min_probability})"
        )
    if reason is None and p1 - p2 < MARGIN:
        reason = f"{top} ({p1:.2f}) and {ranked[1][0]} ({p2:.2f}) are close"
    by_class: dict[str, float] = {}
    for cid, p in ranked:
        cls = pack.categories[cid].class_
        by_class[cls] = by_class.get(cls, 0.0) + p
    best_class, class_p = max(by_class.items(), key=lambda kv: (kv[1], kv[0]))
    if reason is None:
        category_class: str | None = pack.categories[top].class_
    else:
        category_class = None if out_of_domain or class_p < CLASS_CONFIDENCE else best_class
    evidence = tuple(model.evidence(v, "category", top))
    requested = _proposal(model, "requested", scores.requested, v, out_of_domain is not None)
    exp_p = round(scores.expedited, 4)
    expedited = Proposal(
        "yes" if exp_p >= 0.5 else "no",
        exp_p if exp_p >= 0.5 else round(1 - exp_p, 4),
        "needs_review" if out_of_domain is not None or abs(exp_p - 0.5) < MARGIN else "proposed",
        (("no" if exp_p >= 0.5 else "yes", round(1 - exp_p, 4) if exp_p >= 0.5 else exp_p),),
        tuple(model.evidence(v, "expedited", "yes")) if exp_p >= 0.5 else (),
    )
    return Classification(
        "classified" if reason is None else "needs_review",
        top if reason is None else None,
        category_class,
        round(p1, 3),
        tuple(t for t, _ in evidence),
        tuple(ranked),
        method="model",
        review_reason=reason,
        evidence=evidence,
        requested=requested,
        expedited=expedited,
    )


def _proposal(
    model: textmodel.TextModel,
    head: str,
    proba: textmodel.FloatArray,
    v: textmodel.Vector,
    out_of_domain: bool,
) -> Proposal:
    ranked = _ranked(model.heads[head].classes, proba)
    (top, p1) = ranked[0]
    p2 = ranked[1][1] if len(ranked) > 1 else 0.0
    unsure = out_of_domain or p1 < 0.5 or p1 - p2 < MARGIN
    return Proposal(
        top,
        p1,
        "needs_review" if unsure else "proposed",
        tuple(ranked[1:]),
        tuple(model.evidence(v, head, top)),
    )


def classify_text(pack: Pack, patterns: Patterns, text: str | None) -> Classification:
    if not text or not text.strip():
        return Classification("unknown", None, None, 0.0)
    lowered = " ".join(text.lower().split())
    scores: dict[str, int] = {}
    matched: list[str] = []
    for cid, phrase, pattern in patterns:
        if pattern.search(lowered):
            scores[cid] = scores.get(cid, 0) + 1
            matched.append(phrase)
    if not scores:
        return Classification("needs_review", None, None, 0.0)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    top_score = ranked[0][1]
    leaders = [cid for cid, score in ranked if score == top_score]
    # Share of the evidence times how much evidence there is: one lone phrase gives 0.5.
    confidence = round(top_score / sum(scores.values()) * (1 - 0.5**top_score), 3)
    classes = {pack.categories[c].class_ for c in leaders}
    category_class = classes.pop() if len(classes) == 1 else None
    if len(leaders) > 1 or confidence < pack.classifier.min_confidence:
        return Classification(
            "needs_review", None, category_class, confidence, tuple(matched), tuple(ranked)
        )
    return Classification(
        "classified", leaders[0], category_class, confidence, tuple(matched), tuple(ranked)
    )
