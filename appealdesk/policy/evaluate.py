"""Measure the request classifier on a held-out 20% of the corpus it never trained on.

For each program: a stratified split (fixed seed), a model trained on the 80% exactly as the
shipped one is trained on 100%, then every held-out request classified as the product would
(`classify_model`, the same review thresholds) and assessed without `category` or `requested`
to see whether the kind the pack's rules reach is the kind its labels give.

The measures of issue 17: macro-F1 >= 0.90 per program, and wrong answers not flagged
`needs_review` <= 2% of the held-out requests.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appealdesk.policy import train
from appealdesk.policy.assess import Program, _Assessment
from appealdesk.policy.classify import classify_model
from appealdesk.policy.contract import AssessRequest, parse_instant
from appealdesk.policy.loader import LoadedPack, PackRegistry, default_registry

MACRO_F1_BAR = 0.90  # issue 17's measure, printed by `appealdesk classifier eval`
WRONG_UNFLAGGED_BAR = 0.02
# What the shipped models reach today, held by CI so a corpus or model change cannot fall
# below it: UMP 0.954 since the corpus batch written for its weak categories (it was 0.897,
# short of the bar), Genex UR 1.000. A corpus change reshuffles the held-out split, which moves
# the figure by about ±0.01 with no real change (measured), so the UMP floor sits 0.014 below
# it. Raise a floor whenever the figures rise, never lower it to pass.
MACRO_F1_FLOOR = {"ump": 0.94, "genex-ur": 0.95}
RECEIVED_AT = "2026-03-02T10:15:00-08:00"  # a weekday in force for the shipped packs
RELIABILITY_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001)


@dataclass
class ProgramReport:
    program: str
    train_size: int
    test_size: int
    labels: list[str]
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: list[list[int]]  # rows: true label, columns: proposal (top-1), in `labels` order
    flagged: float  # share of held-out requests marked needs_review
    wrong_unflagged: float  # share of held-out requests wrong and not marked needs_review
    wrong_unflagged_of_wrong: float  # of the wrong top-1 answers, the share not flagged
    requested_accuracy: float
    expedited_accuracy: float
    kind_accuracy: float  # assess without category/requested: kind as the labels give it
    kind_wrong_unflagged: float  # kind wrong and the kind not marked needs_review
    ece: float  # expected calibration error of the top-1 category probability
    reliability: list[tuple[str, int, float, float]] = field(default_factory=list)
    mistakes: list[tuple[str, str, str, float, str]] = field(default_factory=list)

    def passes(self) -> bool:
        return self.macro_f1 >= MACRO_F1_BAR and self.wrong_unflagged <= WRONG_UNFLAGGED_BAR


def f1_scores(
    truth: Sequence[str], guess: Sequence[str], labels: Sequence[str]
) -> dict[str, float]:
    out = {}
    for label in labels:
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t == label and g == label)
        fp = sum(1 for t, g in zip(truth, guess, strict=True) if t != label and g == label)
        fn = sum(1 for t, g in zip(truth, guess, strict=True) if t == label and g != label)
        out[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return out


def _kind_of(program: Program, request: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, kind status) that assess gives `request`, with the given program's model."""
    req = AssessRequest.model_validate(request)
    result = _Assessment(program, req, parse_instant(req.received_at)).run()
    return str(result["kind"]), str(result["classification"]["kind"]["status"])


def evaluate_program(
    loaded: LoadedPack,
    rows: Sequence[Mapping[str, Any]],
    seed: int = train.SEED,
    pairs: Mapping[str, str] | None = None,
) -> ProgramReport:
    pack = loaded.pack
    fit_rows, test = train.split(rows, seed=seed, pairs=pairs)
    fitted = train.fit(fit_rows, pack)
    model = fitted.model
    # The held-out model, in a Program of its own (the shipped one is not touched).
    program = Program(loaded)
    program.model = model
    truth, guess, probs, flagged = [], [], [], []
    requested_ok = expedited_ok = kind_ok = kind_wrong_unflagged = 0
    mistakes = []
    for row in test:
        text = str(row["text"])
        c = classify_model(pack, model, text)
        top, p = c.candidates[0]
        truth.append(str(row["category"]))
        guess.append(top)
        probs.append(p)
        flagged.append(c.status != "classified")
        if top != row["category"] and c.status == "classified":
            mistakes.append((str(row["id"]), str(row["category"]), top, p, text[:100]))
        assert c.requested is not None and c.expedited is not None
        requested_ok += c.requested.value == row["requested"]
        expedited_ok += (c.expedited.value == "yes") == bool(row["expedited"])
        base = {"program": pack.program, "received_at": RECEIVED_AT, "channel": "mail"}
        want, _ = _kind_of(
            program,
            {
                **base,
                "category": row["category"],
                "requested": row["requested"],
                "expedited": bool(row["expedited"]) or None,
            },
        )
        got, status = _kind_of(program, {**base, "text": text})
        kind_ok += got == want
        kind_wrong_unflagged += got != want and status != "needs_review"
    n = len(test)
    labels = sorted(set(truth) | set(guess))
    f1 = f1_scores(truth, guess, sorted(set(truth)))
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for t, g in zip(truth, guess, strict=True):
        confusion[index[t]][index[g]] += 1
    wrong = [t != g for t, g in zip(truth, guess, strict=True)]
    wrong_unflagged = sum(1 for w, f in zip(wrong, flagged, strict=True) if w and not f)
    reliability, ece = _reliability(probs, [not w for w in wrong])
    return ProgramReport(
        program=pack.program,
        train_size=len(fit_rows),
        test_size=n,
        labels=labels,
        accuracy=_share(n - sum(wrong), n),
        macro_f1=sum(f1.values()) / len(f1) if f1 else 0.0,
        f1=f1,
        confusion=confusion,
        flagged=_share(sum(flagged), n),
        wrong_unflagged=_share(wrong_unflagged, n),
        wrong_unflagged_of_wrong=_share(wrong_unflagged, sum(wrong)),
        requested_accuracy=_share(requested_ok, n),
        expedited_accuracy=_share(expedited_ok, n),
        kind_accuracy=_share(kind_ok, n),
        kind_wrong_unflagged=_share(kind_wrong_unflagged, n),
        ece=ece,
        reliability=reliability,
        mistakes=mistakes,
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _reliability(
    probs: Sequence[float], right: Sequence[bool]
) -> tuple[list[tuple[str, int, float, float]], float]:
    """Per probability bin: (bin, count, mean probability, share right); and the ECE."""
    table = []
    ece = 0.0
    for low, high in itertools.pairwise(RELIABILITY_BINS):
        members = [i for i, p in enumerate(probs) if low <= p < high]
        if not members:
            continue
        mean_p = sum(probs[i] for i in members) / len(members)
        acc = sum(1 for i in members if right[i]) / len(members)
        table.append((f"{low:.2f}-{min(high, 1.0):.2f}", len(members), mean_p, acc))
        ece += len(members) / len(probs) * abs(mean_p - acc)
    return table, ece


def evaluate(
    registry: PackRegistry | None = None, corpus: Path | None = None, seed: int = train.SEED
) -> list[ProgramReport]:
    registry = registry or default_registry()
    return [
        evaluate_program(
            loaded, rows, seed, train.read_pairs(train.corpus_dirs_for(loaded, corpus))
        )
        for loaded, rows in train.programs_with_examples(registry, corpus).values()
    ]
