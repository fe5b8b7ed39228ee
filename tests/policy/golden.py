"""The shipped packs' answers, recorded: a broad generated set of `assess` requests and the
digest of each answer, so a change to the engine or the pack format can prove that the UMP and
Genex answers stay identical (issue 23).

The file `fixtures/golden-answers.json` was first recorded from commit 095ed40, before the pack
format grew months, earliest dates, soft windows and immediate clocks; it was recorded again when
the pack format was merged with issue 20's legal calendars and dismissal reasons (197 of 3,000
answers moved, every one a Genex business day of the law's calendar or a request after a
dismissed or withdrawn level; the pack-format merge itself moved none), and again after the
classifier's UMP model was retrained on a larger corpus (204 answers to texts moved, none other):

    PYTHONPATH=. python -m tests.policy.golden record

Record again only when a pack's rules change on purpose (a new holiday table, a new rule), after
checking the answers that moved (`python -m tests.policy.golden diff` lists them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.loader import BUNDLED_DIR

GOLDEN = Path(__file__).with_name("fixtures") / "golden-answers.json"
CORPUS = BUNDLED_DIR.parent / "corpus"
PROGRAMS = ("ump", "genex-ur")
PER_PROGRAM = 1500
SEED = 20260308
PT = ZoneInfo("America/Los_Angeles")

# Local instants where time rules bite: DST changes (8 March, 1 November 2026), month ends,
# leap days, holidays and the days around them, late evenings (a UTC date differs).
INSTANTS = [
    "2026-03-02T10:15:00-08:00",
    "2026-03-06T10:00:00-08:00",
    "2026-03-07T23:30:00-08:00",
    "2026-03-08T01:30:00-08:00",
    "2026-03-08T03:30:00-07:00",
    "2026-03-09T08:59:00-07:00",
    "2026-10-30T10:00:00-07:00",
    "2026-10-31T23:59:00-07:00",
    "2026-11-01T01:30:00-07:00",
    "2026-11-01T01:30:00-08:00",
    "2026-11-25T17:45:00-08:00",
    "2026-11-26T12:00:00-08:00",
    "2026-11-27T09:00:00-08:00",
    "2026-12-24T16:00:00-08:00",
    "2026-12-31T23:00:00-08:00",
    "2024-02-29T12:00:00-08:00",
    "2025-01-31T09:00:00-08:00",
    "2026-01-31T09:00:00-08:00",
    "2027-01-01T00:00:00-08:00",
    "2026-03-02T18:15:00Z",
    "2026-07-03T07:30:00Z",
]
DAYS_BEFORE = [0, 1, 29, 30, 31, 59, 60, 61, 179, 180, 181, 182, 184, 187, 364, 365, 366, 400, -1]


# the corpus files the texts come from: fixed, so a new batch of examples does not shift the
# generated requests (a retrained model may still move the answers to texts: record again)
TEXT_PARTS = {"claims", "coe", "complaints", "coverage", "eligibility", "mixed", "grievances"}
TEXT_PARTS |= {"clinical"}


def _texts(program: str) -> list[str]:
    rows = []
    files = sorted(CORPUS.glob(f"{program}.en.*.jsonl"))
    for file in (f for f in files if f.name.split(".")[2] in TEXT_PARTS):
        rows += [json.loads(line)["text"] for line in file.read_text().splitlines()[:12]]
    return rows


def _instant(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(INSTANTS)
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 11 * 365))
    moment = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.choice([0, 15, 59])), PT)
    return moment.isoformat()


def _date_before(rng: random.Random, received_at: str) -> str | None:
    if rng.random() < 0.2:
        return None
    local = dt.datetime.fromisoformat(received_at.replace("Z", "+00:00")).astimezone(PT).date()
    return (local - dt.timedelta(days=rng.choice(DAYS_BEFORE))).isoformat()


def _maybe(rng: random.Random, values: list[Any], none: float = 0.3) -> Any:
    return None if rng.random() < none else rng.choice(values)


def requests(program: str, count: int = PER_PROGRAM, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """`count` requests for `program`, the same ones on every run (a seeded generator)."""
    pack = default_registry().latest(program).pack
    rng = random.Random(f"{seed}-{program}")
    categories = sorted(pack.categories)
    services = sorted(pack.services)
    items = sorted({i.id for p in pack.processes for i in p.required})
    texts = _texts(program)
    for _ in range(count):
        received_at = _instant(rng)
        request: dict[str, Any] = {"program": program, "received_at": received_at}
        fields = {
            "channel": _maybe(rng, ["phone", "mail", "fax", "email", "portal", "in_person"]),
            "filed_by": _maybe(rng, ["member", "authorized_rep", "provider"]),
            "written": _maybe(rng, [True, False], 0.6),
            "written_response_requested": _maybe(rng, [True, False], 0.8),
            "requested": _maybe(
                rng, ["complaint", "appeal", "grievance", "external_review", "clinical_appeal"]
            ),
            "category": _maybe(
                rng, [*categories, "no-such-category"] if rng.random() < 0.02 else categories, 0.15
            ),
            "service": _maybe(
                rng,
                [*services, "dental"]
                if services and rng.random() < 0.03
                else services or ["medical"],
                0.4,
            ),
            "level": _maybe(rng, [1, 2, 2, 1, 3], 0.6),
            "expedited": _maybe(rng, [True, False], 0.5),
            "network_provider": _maybe(rng, [True, False], 0.6),
            "notice_date": _date_before(rng, received_at),
            "occurrence_date": _date_before(rng, received_at),
        }
        request.update({k: v for k, v in fields.items() if v is not None})
        if rng.random() < 0.35:
            prior = {
                "kind": _maybe(rng, ["appeal", "expedited_appeal", "complaint", "grievance"], 0.1),
                "level": _maybe(rng, [1, 2], 0.3),
                "outcome": _maybe(
                    rng, ["upheld", "overturned", "partially_overturned", "withdrawn", "dismissed"]
                ),
                "action": _maybe(rng, ["deny", "modify", "reduce", "terminate"], 0.5),
                "plan_missed_deadline": _maybe(rng, [True, False], 0.5),
                "good_cause": _maybe(rng, [True, False], 0.6),
                "process_failure": _maybe(rng, [True, False], 0.7),
                "letter_date": _date_before(rng, received_at),
            }
            request["prior"] = {k: v for k, v in prior.items() if v is not None}
        if rng.random() < 0.5:
            request["provided"] = rng.sample([*items, "shoe_size"], rng.randrange(0, 5))
        if rng.random() < 0.3:
            start = dt.datetime.fromisoformat(received_at.replace("Z", "+00:00"))
            event = rng.choice(["decided_at", "investigation_concluded_at"])
            request["events"] = {
                event: (start + dt.timedelta(hours=rng.randrange(-2, 900))).isoformat()
            }
        if rng.random() < 0.12 and texts:
            request.pop("category", None)
            request["text"] = rng.choice(texts)
        yield request


def digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def answer(request: dict[str, Any]) -> Any:
    try:
        return assess(request)
    except AssessError as exc:
        return {"error": str(exc)}


def record() -> dict[str, Any]:
    out: dict[str, Any] = {"seed": SEED, "per_program": PER_PROGRAM, "programs": {}}
    for program in PROGRAMS:
        rows = []
        for request in requests(program):
            result = answer(request)
            rows.append([digest(request), digest(result)])
        out["programs"][program] = {
            "pack_sha256": default_registry().latest(program).sha256,
            "answers": rows,
        }
    return out


def main(argv: list[str]) -> None:
    command = argv[0] if argv else "diff"
    if command == "record":
        GOLDEN.write_text(json.dumps(record(), indent=0) + "\n")
        print(f"recorded {GOLDEN}")
        return
    golden = json.loads(GOLDEN.read_text())
    for program in PROGRAMS:
        rows = golden["programs"][program]["answers"]
        for i, request in enumerate(requests(program)):
            if digest(answer(request)) != rows[i][1]:
                print(f"{program} #{i}: {json.dumps(request)}")


if __name__ == "__main__":
    main(sys.argv[1:])
