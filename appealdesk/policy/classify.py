"""Rules-first classification of free text into a pack category.

The phrases live in the pack (`categories.<id>.phrases`). Each phrase that occurs in the text
(whole words, any case) scores one point for its category. The answer says which phrases
matched and how sure it is; an unclear request is `needs_review`, never a guess presented as
certain. When the leading categories tie but share a class (say two kinds of appeal), the class
is still known and is reported as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from appealdesk.policy.schema import Pack


@dataclass(frozen=True)
class Classification:
    status: str  # given | classified | needs_review | unknown
    category: str | None
    category_class: str | None
    confidence: float
    matched: tuple[str, ...] = ()
    candidates: tuple[tuple[str, int], ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "category": self.category,
            "class": self.category_class,
            "confidence": self.confidence,
            "matched": list(self.matched),
            "candidates": [{"category": c, "score": s} for c, s in self.candidates],
        }


Patterns = tuple[tuple[str, str, re.Pattern[str]], ...]


def compile_patterns(pack: Pack) -> Patterns:
    return tuple(
        (cid, phrase, re.compile(rf"\b{re.escape(phrase.lower())}\b"))
        for cid, cat in pack.categories.items()
        for phrase in cat.phrases
    )


def given(pack: Pack, category: str) -> Classification:
    return Classification("given", category, pack.categories[category].class_, 1.0)


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
