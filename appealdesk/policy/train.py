"""Build the request classifier from the labelled corpus (scikit-learn, at build time only).

    python -m appealdesk.policy.train            # every program with examples; writes models/
    python -m appealdesk.policy.train --check    # exit 1 when a committed model differs

For each program: the shipped corpus (`appealdesk/policy/corpus/`) plus a pack-local corpus
(`corpus/` beside the pack file) give the examples; TF-IDF over `textmodel.analyse` and the
pack-phrase block feed three multinomial logistic regressions (category, requested, expedited)
with a fixed seed. The result is exported for `textmodel` (NumPy at run time) and its SHA-256
recorded in `models/manifest.json`. The same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from appealdesk.policy import textmodel
from appealdesk.policy.classify import models_dir_for, phrase_set
from appealdesk.policy.loader import LoadedPack, PackRegistry, default_registry
from appealdesk.policy.schema import Pack

CORPUS_DIR = Path(__file__).with_name("corpus")
MANIFEST = "manifest.json"
SEED = 17
# Inverse regularisation of the logistic regressions, chosen on the held-out split
# (docs/classifier.md): 5-100 left probabilities under-confident (calibration error 0.12-0.26
# on UMP) for the same or lower macro-F1; 1000 gave the best calibration and accuracy.
C = 1000.0
# A pack phrase found is worth this much in the feature vector (TF-IDF rows have length 1).
PHRASE_WEIGHT = 0.5
MIN_DF = 2
TOL = 1e-6
HEADS = ("category", "requested", "expedited")
REBUILD = "rebuild with: python -m appealdesk.policy.train"


def corpus_dirs_for(loaded: LoadedPack, corpus: Path | None = None) -> list[Path]:
    local = loaded.file.resolve().parent / "corpus"
    dirs = [corpus or CORPUS_DIR]
    if local.is_dir() and local.resolve() != dirs[0].resolve():
        dirs.append(local)
    return dirs


def read_rows(folders: Sequence[Path], program: str) -> list[dict[str, Any]]:
    """The examples of `program` in `folders` (JSON Lines, see the corpus README), sorted by id."""
    rows: list[dict[str, Any]] = []
    for folder in folders:
        for path in sorted(folder.glob("*.jsonl")):
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
                    if isinstance(row, dict) and row.get("program") == program:
                        row["_where"] = f"{path.name}:{number}"
                        rows.append(row)
    return sorted(rows, key=lambda r: str(r.get("id")))


def check_rows(rows: Sequence[Mapping[str, Any]], pack: Pack) -> None:
    for row in rows:
        where = row.get("_where", "?")
        if not isinstance(row.get("text"), str) or row.get("category") not in pack.categories:
            raise ValueError(
                f"{where}: needs a text and a category of {pack.program} "
                f"({', '.join(pack.categories)})"
            )


def labels(rows: Sequence[Mapping[str, Any]], head: str) -> list[str]:
    if head == "expedited":
        return ["yes" if row.get("expedited") else "no" for row in rows]
    return [str(row.get(head)) for row in rows]


@dataclass
class Fitted:
    """A trained model: the arrays of the artifact, and the scikit-learn objects it came from."""

    arrays: dict[str, npt.NDArray[Any]]
    model: textmodel.TextModel
    vectorizer: Any
    estimators: dict[str, Any]

    def sklearn_features(self, texts: Sequence[str]) -> Any:
        return _features(self.vectorizer, self.model.phrases, self.model.phrase_categories, texts)


def _features(
    vectorizer: Any, phrases: textmodel.PhraseSet, categories: Sequence[str], texts: Sequence[str]
) -> Any:
    from scipy import sparse

    text_block = vectorizer.transform(texts)
    rows, cols, vals = [], [], []
    where = {c: i for i, c in enumerate(categories)}
    for r, text in enumerate(texts):
        for cid, found in textmodel.phrase_hits(phrases, textmodel.normalise(text)).items():
            rows.append(r)
            cols.append(where[cid])
            vals.append(PHRASE_WEIGHT * len(found))
    phrase_block = sparse.csr_matrix(
        (vals, (rows, cols)), shape=(len(texts), len(categories)), dtype=np.float64
    )
    return sparse.hstack([text_block, phrase_block], format="csr")


def fit(rows: Sequence[Mapping[str, Any]], pack: Pack) -> Fitted:
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the problem is small, and the result must not depend on the thread count.
    with threadpool_limits(limits=1):
        return _fit(rows, pack)


def _fit(rows: Sequence[Mapping[str, Any]], pack: Pack) -> Fitted:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [str(row["text"]) for row in rows]
    if len({row["category"] for row in rows}) < 2:
        raise ValueError(f"{pack.program}: the corpus needs examples of at least two categories")
    vectorizer = TfidfVectorizer(
        analyzer=textmodel.analyse, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64
    )
    vectorizer.fit(texts)
    phrases = phrase_set(pack)
    categories = list(pack.categories)
    x = _features(vectorizer, phrases, categories, texts)
    arrays: dict[str, npt.NDArray[Any]] = {
        "program": np.array(pack.program),
        "vocabulary": np.array(vectorizer.get_feature_names_out(), dtype=str),
        "idf": vectorizer.idf_.astype(np.float64),
        "known_words": np.array(
            sorted({w for t in texts for w in textmodel.words(textmodel.normalise(t))}), dtype=str
        ),
        "phrase_categories": np.array(categories, dtype=str),
        "phrase_weight": np.array(PHRASE_WEIGHT),
        "languages": np.array(sorted({str(row.get("lang")) for row in rows}), dtype=str),
    }
    estimators: dict[str, Any] = {}
    for head in HEADS:
        y = labels(rows, head)
        classes = sorted(set(y))
        if len(classes) == 1:
            # nothing to learn (say, no urgent request in a small pack corpus): a constant head
            coef = np.zeros((1, x.shape[1]))
            intercept = np.zeros(1)
        else:
            clf = LogisticRegression(C=C, max_iter=5000, tol=TOL, random_state=SEED)
            clf.fit(x, y)
            estimators[head] = clf
            classes = [str(c) for c in clf.classes_]
            coef, intercept = clf.coef_.astype(np.float64), clf.intercept_.astype(np.float64)
        arrays[f"{head}.classes"] = np.array(classes, dtype=str)
        arrays[f"{head}.coef"] = coef
        arrays[f"{head}.intercept"] = intercept
    model = textmodel.from_arrays(arrays, phrases)
    return Fitted(arrays, model, vectorizer, estimators)


def read_pairs(folders: Sequence[Path]) -> dict[str, str]:
    """Translation pairs (`translations.tsv`: es_id, en_id, …) as id -> the id it renders."""
    pairs: dict[str, str] = {}
    for folder in folders:
        path = folder / "translations.tsv"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            cells = line.split("\t")
            if len(cells) >= 2 and cells[0] and cells[1]:
                pairs[cells[0]] = cells[1]
    return pairs


def split(
    rows: Sequence[Mapping[str, Any]],
    share: float = 0.2,
    seed: int = SEED,
    pairs: Mapping[str, str] | None = None,
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """A held-out `share` of every category (stratified), the same for the same seed and rows.

    A request and its translation (`pairs`) stay on the same side: a Spanish rendering of a
    training request would otherwise make the held-out score a memory test.
    """
    pairs = pairs or {}
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: str(r["id"])):
        rid = str(row["id"])
        groups[pairs.get(rid, rid)].append(row)
    by_category: dict[str, list[list[Mapping[str, Any]]]] = defaultdict(list)
    for key in sorted(groups):
        by_category[str(groups[key][0]["category"])].append(groups[key])
    rng = random.Random(seed)
    train: list[Mapping[str, Any]] = []
    test: list[Mapping[str, Any]] = []
    for category in sorted(by_category):
        bunch = list(by_category[category])
        rng.shuffle(bunch)
        size = sum(len(g) for g in bunch)
        want = round(size * share) if size > 1 else 0
        taken = 0
        for group in bunch:
            if taken < want:
                test.extend(group)
                taken += len(group)
            else:
                train.extend(group)
    return train, test


# -- build -----------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def programs_with_examples(
    registry: PackRegistry, corpus: Path | None = None
) -> dict[str, tuple[LoadedPack, list[dict[str, Any]]]]:
    found = {}
    for program in registry.programs():
        loaded = registry.latest(program)
        rows = read_rows(corpus_dirs_for(loaded, corpus), program)
        if rows:
            check_rows(rows, loaded.pack)
            found[program] = (loaded, rows)
    return found


def build(registry: PackRegistry | None = None, *, check: bool = False) -> list[str]:
    """Train every program that has examples; write (or with `check`, compare) its artifact.

    Returns one line per program; with `check`, raises SystemExit(1) at the first difference.
    """
    registry = registry or default_registry()
    lines = []
    manifests: dict[Path, dict[str, Any]] = {}
    for program, (loaded, rows) in programs_with_examples(registry).items():
        fitted = fit(rows, loaded.pack)
        folder = models_dir_for(loaded)
        target = folder / f"{program}.npz"
        fresh = folder / f".{program}.npz.new"
        textmodel.save(fresh, fitted.arrays)
        digest = sha256(fresh)
        if check:
            same = target.exists() and sha256(target) == digest
            fresh.unlink()
            if not same:
                print(f"{target}: differs from a fresh build; {REBUILD}")
                raise SystemExit(1)
        else:
            fresh.replace(target)
        manifest = manifests.setdefault(folder, {})
        manifest[program] = {
            "file": target.name,
            "sha256": digest,
            "pack_version": loaded.pack.version,
            "examples": len(rows),
            "features": fitted.model.n_features,
            "seed": SEED,
            "C": C,
        }
        lines.append(
            f"{program}: {len(rows)} examples, {fitted.model.n_features} features, "
            f"{target.stat().st_size // 1024} KiB, sha256 {digest[:12]}"
        )
    for folder, manifest in manifests.items():
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        path = folder / MANIFEST
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path}: differs from a fresh build; {REBUILD}")
                raise SystemExit(1)
        else:
            path.write_text(text, encoding="utf-8")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appealdesk.policy.train", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the committed models")
    args = parser.parse_args(argv)
    for line in build(check=args.check):
        print(line)
    return 0


def counts(rows: Sequence[Mapping[str, Any]]) -> Counter[str]:
    return Counter(str(r["category"]) for r in rows)


if __name__ == "__main__":
    sys.exit(main())
