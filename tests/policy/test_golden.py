"""The shipped packs answer exactly as they did before the pack format grew (issue 23): every
one of 3,000 generated requests gets the answer recorded from commit 095ed40."""

from __future__ import annotations

import json

import pytest

from tests.policy import golden

RECORDED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize("program", golden.PROGRAMS)
def test_the_shipped_packs_answer_as_recorded(program):
    rows = RECORDED["programs"][program]["answers"]
    requests = list(golden.requests(program, RECORDED["per_program"], RECORDED["seed"]))
    assert [golden.digest(r) for r in requests] == [r[0] for r in rows], (
        "the generated requests changed (the generator or the pack's categories): the recorded "
        "answers no longer belong to them"
    )
    moved = [
        json.dumps(request)
        for request, (_, recorded) in zip(requests, rows, strict=True)
        if golden.digest(golden.answer(request)) != recorded
    ]
    assert not moved, f"{len(moved)} answers changed, e.g. {moved[:3]}"
