"""The trained request classifier at run time: features, scoring and explanations with NumPy.

A model is built by `appealdesk.policy.train` (scikit-learn, at build time) and exported as
vocabulary + idf + the linear models' coefficients (`models/<program>.npz`). Scoring here
repeats scikit-learn's arithmetic exactly (sublinear TF-IDF, l2 norm, softmax or sigmoid), so
the product never imports scikit-learn and a test checks both agree to 1e-9.

One model per program has three heads over the same features: the pack category, what the
writer asks for (`requested`), and whether they ask for the expedited track. The features are
word unigrams and bigrams, character 3- to 5-grams inside words (typos, Spanish inflections),
and one feature per category counting the pack's phrases found (strong evidence the pack
author wrote down).
"""

from __future__ import annotations

import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# Longer requests are read up to here: a request is a few paragraphs, and reading 1 MB of
# text would cost a second. A longer text is flagged for review, not refused.
MAX_CHARS = 20_000
CHAR_NGRAMS = (3, 5)
EVIDENCE_FLOOR = 0.2  # of the strongest push

_WORD = re.compile(r"\w\w+")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")

FloatArray = npt.NDArray[np.float64]


def normalise(text: str) -> str:
    """Lower case, accents off (writers drop them), digits as 0 (a date is no word), one space."""
    text = unicodedata.normalize("NFKD", text[:MAX_CHARS].lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACE.sub(" ", _DIGIT.sub("0", text)).strip()


def words(normalised: str) -> list[str]:
    return _WORD.findall(normalised)


def char_ngrams(word: str) -> list[str]:
    """Character n-grams of one word padded with spaces, as scikit-learn's `char_wb` does."""
    padded = f" {word} "
    low, high = CHAR_NGRAMS
    out: list[str] = []
    for n in range(low, high + 1):
        if len(padded) < n:
            break
        out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def token_features(token: str) -> list[str]:
    """The features one word contributes: itself, and its character n-grams (not a number's)."""
    feats = [f"w:{token}"]
    if not token.isdigit():
        feats.extend(f"c:{g}" for g in char_ngrams(token))
    return feats


def bigrams(tokens: Sequence[str]) -> list[str]:
    return [f"w:{a} {b}" for a, b in itertools.pairwise(tokens)]


def analyse(text: str) -> list[str]:
    """The text features of `text` (used unchanged as scikit-learn's analyzer at build time)."""
    tokens = words(normalise(text))
    return [f for t in tokens for f in token_features(t)] + bigrams(tokens)


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(normalise(phrase))}\b")


# (category, phrase, pattern, the phrase's words): a phrase can only match a text that has all
# its words as whole words (the pattern is bounded by \b), so most patterns are never run.
PhraseSet = tuple[tuple[str, str, re.Pattern[str], frozenset[str]], ...]


def compile_phrases(phrases: Iterable[tuple[str, str]]) -> PhraseSet:
    """(category, phrase) pairs of a pack as patterns over normalised text."""
    return tuple(
        (cid, phrase, phrase_pattern(phrase), frozenset(words(normalise(phrase))))
        for cid, phrase in phrases
    )


def phrase_hits(phrases: PhraseSet, normalised: str) -> dict[str, list[str]]:
    present = set(words(normalised))
    hits: dict[str, list[str]] = {}
    for cid, phrase, pattern, needed in phrases:
        if needed <= present and pattern.search(normalised):
            hits.setdefault(cid, []).append(phrase)
    return hits


@dataclass(frozen=True)
class Head:
    """One linear model over the features: classes, coefficients (k x n), intercepts (k)."""

    name: str
    classes: tuple[str, ...]
    coef: FloatArray
    intercept: FloatArray

    def proba(self, x_cols: npt.NDArray[np.intp], x_vals: FloatArray) -> FloatArray:
        if len(self.classes) == 1:
            return np.ones(1)  # one class seen in training: nothing to decide
        scores = self.coef[:, x_cols] @ x_vals + self.intercept
        if len(self.classes) == 2 and self.coef.shape[0] == 1:
            # scikit-learn's binary logistic regression: one row, the sigmoid of its score
            p1 = _expit(float(scores[0]))
            return np.array([1.0 - p1, p1])
        scores = scores - scores.max()
        exp = np.exp(scores)
        result: FloatArray = exp / exp.sum()
        return result

    def row(self, label: str) -> FloatArray:
        """The coefficients that push toward `label` (a binary head has one row for class 1)."""
        if self.coef.shape[0] == 1:
            sign = 1.0 if label == self.classes[1] else -1.0
            row: FloatArray = self.coef[0] * sign
        else:
            row = self.coef[self.classes.index(label)]
        return row


def _expit(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(frozen=True)
class Vector:
    """The features of one text: sparse columns and values, plus what the text looked like."""

    cols: npt.NDArray[np.intp]
    vals: FloatArray
    tokens: list[str]
    known_share: float  # share of the text's words the training corpus used
    phrases: dict[str, list[str]]


@dataclass(frozen=True)
class Scores:
    vector: Vector
    category: FloatArray
    requested: FloatArray
    expedited: float


class TextModel:
    """A program's exported model: vocabulary, idf, the phrase block and the three heads."""

    def __init__(
        self,
        *,
        program: str,
        vocabulary: Sequence[str],
        idf: FloatArray,
        known_words: Iterable[str],
        phrase_categories: Sequence[str],
        phrase_weight: float,
        heads: dict[str, Head],
        phrases: PhraseSet,
        languages: Sequence[str] = (),
    ) -> None:
        self.program = program
        self.languages = tuple(languages)
        self.vocabulary = tuple(vocabulary)
        self.index = {term: i for i, term in enumerate(self.vocabulary)}
        # the same columns keyed without their prefix, so a new word costs no string building
        self._word_index = {t[2:]: i for t, i in self.index.items() if t.startswith("w:")}
        self._char_index = {t[2:]: i for t, i in self.index.items() if t.startswith("c:")}
        self.idf = idf
        self.known_words = frozenset(known_words)
        self.phrase_categories = tuple(phrase_categories)
        self.phrase_index = {c: len(self.vocabulary) + i for i, c in enumerate(phrase_categories)}
        self.phrase_weight = phrase_weight
        self.heads = heads
        self.phrases = phrases
        # word -> the vocabulary columns of its features; words repeat across requests
        self._token_cols: dict[str, tuple[int, ...]] = {}
        self._token_ucols: dict[str, npt.NDArray[np.intp]] = {}
        self._push_rows: dict[tuple[str, str], FloatArray] = {}

    @property
    def n_features(self) -> int:
        return len(self.vocabulary) + len(self.phrase_categories)

    # -- features ---------------------------------------------------------------------------
    def vectorise(self, text: str) -> Vector:
        """The same numbers as scikit-learn's TfidfVectorizer(sublinear_tf, l2) + phrase block."""
        normalised = normalise(text)
        tokens = words(normalised)
        counts: Counter[int] = Counter()
        for token in tokens:
            counts.update(self._cols_of(token))
        index = self.index
        counts.update(i for i in map(index.get, bigrams(tokens)) if i is not None)
        cols = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        vals = (np.log(tf) + 1.0) * self.idf[cols]
        norm = math.sqrt(float(vals @ vals))
        if norm > 0:
            vals = vals / norm
        hits = phrase_hits(self.phrases, normalised)
        extra = [
            (self.phrase_index[c], self.phrase_weight * len(found))
            for c, found in hits.items()
            if c in self.phrase_index
        ]
        if extra:
            cols = np.concatenate([cols, np.array([c for c, _ in extra], dtype=np.intp)])
            vals = np.concatenate([vals, np.array([v for _, v in extra], dtype=np.float64)])
        alpha = [t for t in tokens if not t.isdigit()]
        known = sum(1 for t in alpha if t in self.known_words)
        return Vector(cols, vals, tokens, known / len(alpha) if alpha else 0.0, hits)

    def _cols_of(self, token: str) -> tuple[int, ...]:
        cols = self._token_cols.get(token)
        if cols is None:
            if len(self._token_cols) > 200_000:  # bound the cache (a flood of nonsense words)
                self._token_cols.clear()
            # token_features(token), looked up without building its prefixed strings
            word = self._word_index.get(token)
            grams = () if token.isdigit() else map(self._char_index.get, char_ngrams(token))
            cols = tuple(i for i in (word, *grams) if i is not None)
            self._token_cols[token] = cols
        return cols

    def _unique_cols_of(self, token: str) -> npt.NDArray[np.intp]:
        cols = self._token_ucols.get(token)
        if cols is None:
            if len(self._token_ucols) > 200_000:
                self._token_ucols.clear()
            cols = np.unique(np.array(self._cols_of(token), dtype=np.intp))
            self._token_ucols[token] = cols
        return cols

    def score(self, text: str) -> Scores:
        v = self.vectorise(text)
        return Scores(
            vector=v,
            category=self.heads["category"].proba(v.cols, v.vals),
            requested=self.heads["requested"].proba(v.cols, v.vals),
            expedited=self.yes(self.heads["expedited"], v),
        )

    @staticmethod
    def yes(head: Head, v: Vector) -> float:
        proba = head.proba(v.cols, v.vals)
        return float(proba[head.classes.index("yes")]) if "yes" in head.classes else 0.0

    # -- explanations -----------------------------------------------------------------------
    def _push_row(self, head: str, label: str) -> FloatArray | None:
        """Weights toward `label` less the mean over the head's classes (None: nothing learnt)."""
        key = (head, label)
        if key not in self._push_rows:
            h = self.heads[head]
            if label not in h.classes or len(h.classes) == 1:
                return None
            row = h.row(label)
            self._push_rows[key] = row - h.coef.mean(axis=0) if h.coef.shape[0] > 1 else row
        return self._push_rows[key]

    def evidence(self, v: Vector, head: str, label: str, limit: int = 8) -> list[tuple[str, float]]:
        """The words of the text that pushed most toward `label`, with how much.

        A feature's push is its value times its weight for `label` less its mean weight over
        the head's classes. Character n-grams are credited to the word they came from, so the
        answer is in the writer's words; a pack phrase found counts as that phrase.
        """
        row = self._push_row(head, label)
        if row is None:
            return []
        dense = np.zeros(self.n_features)
        dense[v.cols] = v.vals * row[v.cols]
        push = dict(zip(v.cols.tolist(), dense[v.cols].tolist(), strict=True))
        unique = list(dict.fromkeys(v.tokens))
        pushes: dict[str, float] = {}
        if unique:
            per_token = [self._unique_cols_of(t) for t in unique]
            owner = np.repeat(np.arange(len(unique)), [len(c) for c in per_token])
            cols = np.concatenate(per_token)
            sums = np.bincount(owner, weights=dense[cols], minlength=len(unique))
            pushes = dict(zip(unique, sums.tolist(), strict=True))
        for pair, i in zip(bigrams(v.tokens), map(self.index.get, bigrams(v.tokens)), strict=True):
            if i is not None and i in push:
                pushes[pair[2:]] = push[i]
        for cid, found in v.phrases.items():
            i = self.phrase_index.get(cid)
            if i is not None and i in push:
                for phrase in found:
                    pushes[phrase] = push[i] / len(found)
        # numbers (read as 0000) weigh in the score but say nothing to a reader
        ranked = sorted(
            ((t, w) for t, w in pushes.items() if w > 0 and not t.replace(" ", "").isdigit()),
            key=lambda tw: (-tw[1], tw[0]),
        )
        # Words far weaker than the strongest ("it", "for") explain nothing to a reader.
        floor = ranked[0][1] * EVIDENCE_FLOOR if ranked else 0.0
        return [(t, round(w, 4)) for t, w in ranked[:limit] if w >= floor]


# -- the artifact -------------------------------------------------------------------------------
def save(path: Path, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """An .npz written byte for byte the same for the same arrays (fixed zip timestamps)."""
    from numpy.lib import format as npformat

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = io.BytesIO()
            npformat.write_array(data, np.asarray(arrays[name]), allow_pickle=False)
            zf.writestr(info, data.getvalue(), compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def load(path: Path, phrases: PhraseSet) -> TextModel:
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    return from_arrays(arrays, phrases)


def from_arrays(arrays: Mapping[str, npt.NDArray[Any]], phrases: PhraseSet) -> TextModel:
    heads = {
        name: Head(
            name,
            tuple(str(c) for c in arrays[f"{name}.classes"]),
            arrays[f"{name}.coef"].astype(np.float64),
            arrays[f"{name}.intercept"].astype(np.float64),
        )
        for name in ("category", "requested", "expedited")
    }
    return TextModel(
        program=str(arrays["program"]),
        vocabulary=[str(t) for t in arrays["vocabulary"]],
        idf=arrays["idf"].astype(np.float64),
        known_words=[str(t) for t in arrays["known_words"]],
        phrase_categories=[str(c) for c in arrays["phrase_categories"]],
        phrase_weight=float(arrays["phrase_weight"]),
        heads=heads,
        phrases=phrases,
        languages=[str(c) for c in arrays["languages"]],
    )
