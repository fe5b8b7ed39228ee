"""Where the classifier's evidence is in the writer's own text, so a coordinator can check it.

The classifier explains a proposal with terms read from the *normalised* text (lower case,
accents off, digits as 0): single words, word pairs and pack phrases. `marked` finds them back
in the text as typed — "Denegaron", "magnética", "MRI" — and cuts the text into runs, each
marked or not, for a page to render (escaped) with the marked runs highlighted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from appealdesk.policy.textmodel import MAX_CHARS, normalise, words

_TOKEN = re.compile(r"\w\w+")  # the classifier's word pattern, over the text as typed


def marked(text: str, terms: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` as runs (run, is_evidence): every occurrence of every term is marked.

    A term of several words is marked only where its words follow one another in the text;
    overlapping and adjacent marks merge into one run. Only the part the classifier read
    (its first `MAX_CHARS` characters) is searched; the rest is returned unmarked.
    """
    wanted = [words(normalise(t)) for t in terms]
    wanted = [w for w in wanted if w]
    if not text or not wanted:
        return [(text, False)] if text else []
    tokens = [(m.start(), m.end(), normalise(m.group())) for m in _TOKEN.finditer(text[:MAX_CHARS])]
    spans = _spans(tokens, wanted)
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if start > at:
            runs.append((text[at:start], False))
        runs.append((text[start:end], True))
        at = end
    if at < len(text):
        runs.append((text[at:], False))
    return runs


def _spans(
    tokens: Sequence[tuple[int, int, str]], wanted: Sequence[Sequence[str]]
) -> list[tuple[int, int]]:
    by_first: dict[str, list[Sequence[str]]] = {}
    for seq in wanted:
        by_first.setdefault(seq[0], []).append(seq)
    found: list[tuple[int, int]] = []
    norms = [t[2] for t in tokens]
    for i, norm in enumerate(norms):
        for seq in by_first.get(norm, ()):
            if norms[i : i + len(seq)] == list(seq):
                found.append((tokens[i][0], tokens[i + len(seq) - 1][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1] + 1:  # overlapping, or one space apart
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
