"""The event log's hash chain: each event stores the SHA-256 of its own content chained to the
event before it of the same case, so a change to a recorded event, or its removal, is found by
recomputing the chain (docs/record.md says how, for anyone who wants to check it without
appealdesk).

    hash = SHA-256(prev_hash + canonical JSON of the event's columns)

`prev_hash` is the `hash` of the case's previous event (64 zeros for its first); `seq` numbers a
case's events 1, 2, 3… in the order they were written. Events without a case (a
representative's authorization) form one chain of their own.

Every event is written by `append` (the model's `save` and `bulk_create` call it): it locks the
cases first, so two transactions adding to one case take turns and never both chain to the same
predecessor; the unique index on (case, seq) refuses a fork should anything get past the lock.
`ChainHeads.add` is the one function that computes a link, also used by bulk loaders that write
rows with plain SQL. `ChainCheck` walks every chain in keyset batches (bounded memory) and names
the first broken link of each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from appealdesk.cases.models import Case, Event

GENESIS = "0" * 64
# the columns an event's hash covers, by their names in cases_event
CHAINED = ("case_id", "seq", "at", "actor_id", "actor_label", "action", "reason", "before", "after")
# PostgreSQL advisory lock key of the case-less chain (no case row to lock): "appealdesk" in hex
CASELESS_LOCK = 0x61707065616C6465
BATCH = 5000


# -- the canonical form ------------------------------------------------------------------------
def canonical(fields: Mapping[str, Any]) -> bytes:
    """The event's columns as one UTF-8 JSON text: keys sorted, no spaces, non-ASCII as is,
    `at` as UTC to the microsecond ("2026-03-02T18:30:00.000000Z"), and in `before`/`after`
    (as the database gives them back) a float with an integral value written as that integer
    (PostgreSQL's jsonb hands 2.0 back as 2, SQLite keeps 2.0: both must hash alike)."""
    document = {name: fields[name] for name in CHAINED}
    document["at"] = instant(fields["at"])
    document["before"] = _integral(fields["before"])
    document["after"] = _integral(fields["after"])
    return _CANONICAL.encode(document).encode("utf-8")


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def instant(value: dt.datetime) -> str:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError(f"an event's time must be an aware datetime, not {value!r}")
    utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def stored(value: Any) -> Any:
    """A JSON column's value as the database will give it back (a JSON round trip: tuples
    become lists, keys text)."""
    return json.loads(json.dumps(value)) if value is not None else None


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def digest(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256, in lowercase hex, of the previous hash (64 ASCII hex digits) followed by the
    canonical JSON of the event (`fields` holds every name of CHAINED)."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(fields)).hexdigest()


class ChainHeads:
    """The last link of each chain met so far: case id (None for the case-less chain) → (seq,
    hash). `add` makes the next link of an event's chain and moves the head to it."""

    def __init__(self, known: Mapping[int | None, tuple[int, str]] | None = None) -> None:
        self._heads: dict[int | None, tuple[int, str]] = dict(known or {})

    def add(self, fields: Mapping[str, Any]) -> tuple[int, str, str]:
        """(seq, prev_hash, hash) of the event whose columns are `fields` (all of CHAINED but
        `seq`), the next one of its case."""
        case_id = fields["case_id"]
        seq, prev = self._heads.get(case_id, (0, GENESIS))
        seq += 1
        written = {"before": stored(fields["before"]), "after": stored(fields["after"])}
        linked = digest(prev, {**fields, **written, "seq": seq})
        self._heads[case_id] = (seq, linked)
        return seq, prev, linked


def columns(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in CHAINED}


# -- writing -----------------------------------------------------------------------------------
def append(
    events: Sequence[Event], *, batch_size: int | None = None, arrays: bool = False
) -> list[Event]:
    """Insert `events` (unsaved) at the ends of their chains, in the order given, in the
    caller's transaction (or one of their own). Their cases are locked first, in id order.
    `arrays`: on PostgreSQL, one INSERT … SELECT of the columns as arrays (the sweep's
    thousands of events: the ORM spent longer building its INSERT than the database took)."""
    if not events:
        return []
    for event in events:
        if event.pk is not None or event.hash:
            raise ValueError("the event log is append-only: an event is written once")
        if isinstance(event.at, dt.datetime) and timezone.is_naive(event.at):
            # what Django would store for a naive time (it warns about it)
            event.at = timezone.make_aware(event.at, timezone.get_default_timezone())
    with transaction.atomic(savepoint=False):
        new = {e.case_id for e in events if _new_case(e)}
        heads = ChainHeads(_locked_heads({e.case_id for e in events} - new))
        for event in events:
            event.seq, event.prev_hash, event.hash = heads.add(columns(event))
        if arrays and connection.vendor == "postgresql":
            return _insert_arrays(list(events))
        return Event.objects.insert_chained(list(events), batch_size=batch_size)


NEW_CASE = "_chain_is_empty"


def new_case(case: Case) -> None:
    """Say that `case` was inserted by the transaction now open: its chain is empty and no
    other transaction can add to it (nor see it) before this one commits, so its first event
    needs neither the lock nor the read of its head (issue 22.2: two statements fewer per
    intake). Used once: the mark goes with the first event written."""
    setattr(case, NEW_CASE, True)


def _new_case(event: Event) -> bool:
    case = event._state.fields_cache.get("case")
    if case is None or not getattr(case, NEW_CASE, False):
        return False
    delattr(case, NEW_CASE)
    return True


ARRAY_TYPES = {
    "case_id": "bigint",
    "at": "timestamptz",
    "actor_id": "integer",
    "actor_label": "text",
    "action": "text",
    "reason": "text",
    "before": "jsonb",
    "after": "jsonb",
    "seq": "integer",
    "prev_hash": "text",
    "hash": "text",
}


def _insert_arrays(events: list[Event]) -> list[Event]:
    """The linked `events` in one INSERT … SELECT FROM unnest(…) (PostgreSQL), their ids set
    from what it returns (matched by case and seq, unique)."""
    names = list(ARRAY_TYPES)
    values: list[list[Any]] = [[] for _ in names]
    for event in events:
        for found, name in zip(values, names, strict=True):
            value = getattr(event, name)
            if name in ("before", "after"):
                value = None if value is None else json.dumps(value)
            found.append(value)
    arrays = ", ".join(f"%s::{ARRAY_TYPES[name]}[]" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_event ({', '.join(names)}) SELECT * FROM unnest({arrays}) "
            "RETURNING id, case_id, seq",
            values,
        )
        ids = {(case_id, seq): pk for pk, case_id, seq in cursor.fetchall()}
    for event in events:
        event.pk = ids[(event.case_id, event.seq)]
        event._state.adding, event._state.db = False, connection.alias
    return events


def _locked_heads(case_ids: set[int | None]) -> dict[int | None, tuple[int, str]]:
    """Lock the chains of `case_ids`, then read their heads. On PostgreSQL: the case rows FOR
    UPDATE, in id order (so two writers never wait on each other in a circle), and an advisory
    lock for the case-less chain; the heads are read by a later statement, which sees what a
    writer that held the lock before committed. On SQLite every transaction begins IMMEDIATE
    (settings): it holds the database's only write lock already."""
    cases = sorted(c for c in case_ids if c is not None)
    if connection.vendor == "postgresql":
        if cases:
            list(Case.objects.select_for_update().filter(pk__in=cases).order_by("pk").values("pk"))
        if None in case_ids:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CASELESS_LOCK])
    found: dict[int | None, tuple[int, str]] = dict(heads(cases).items())
    if None in case_ids:
        last = (
            Event.objects.filter(case__isnull=True)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        if last is not None:
            found[None] = last
    return found


HEADS_SQL = """
SELECT case_id, seq, hash FROM cases_event
WHERE (case_id, seq) IN (SELECT case_id, MAX(seq) FROM cases_event
                         WHERE case_id IN ({ids}) GROUP BY case_id)
"""


# PostgreSQL planned HEADS_SQL as a scan of the whole event table joined to the grouped
# maxima (240 ms for a sweep's thousand cases at 400,000 events, issue 22.4); this walks the
# unique (case, seq) index backwards once per case
HEADS_SQL_POSTGRESQL = """
SELECT k.id, e.seq, e.hash FROM unnest(%s::bigint[]) AS k(id)
CROSS JOIN LATERAL (SELECT seq, hash FROM cases_event WHERE case_id = k.id
                    ORDER BY seq DESC LIMIT 1) AS e
"""


def heads(case_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    """The (seq, hash) of the last event of each case (cases without events are left out)."""
    if not case_ids:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(HEADS_SQL_POSTGRESQL, [list(case_ids)])
        else:
            ids = ", ".join(["%s"] * len(case_ids))
            cursor.execute(HEADS_SQL.format(ids=ids), list(case_ids))
        return {case_id: (seq, linked) for case_id, seq, linked in cursor.fetchall()}


# -- checking ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Break:
    """The first broken link of one chain: where, and what differs."""

    case_id: int | None
    case_number: str  # "" for the case-less chain
    event_id: int | None  # None: the case has no event at all
    seq: int
    action: str
    what: str

    def line(self) -> str:
        where = self.case_number or "(events without a case)"
        if self.event_id is None:
            return f"{where}: {self.what}"
        return f"{where}: event {self.event_id} (seq {self.seq}, {self.action}): {self.what}"


ROW = ("id", "seq", "prev_hash", "hash", *(n for n in CHAINED if n != "seq"))


class ChainCheck:
    """Walk the chains (all, or one case's) in keyset batches of `batch` events by (case,
    seq), the order of the unique index, recomputing every link; memory holds one batch.
    `run()` yields the first broken link of each broken chain; `events` and `chains` count
    what was read."""

    def __init__(
        self, *, case: Case | None = None, batch: int = BATCH, seq: int | None = None
    ) -> None:
        self.case, self.batch, self.seq = case, batch, seq
        self.events = self.chains = 0
        self.head: tuple[int, str] | None = None  # of the one case checked
        self.at_seq: str | None = None  # the hash of its event `seq`, once checked

    def run(self) -> Iterator[Break]:
        if self.case is not None:
            yield from self._walk(Event.objects.filter(case_id=self.case.pk), by_case=False)
            if self.chains == 0:
                yield self._empty(self.case.pk, self.case.number)
            return
        yield from self._walk(Event.objects.filter(case_id__isnull=False), by_case=True)
        yield from self._walk(Event.objects.filter(case_id__isnull=True), by_case=False)
        yield from self._without_events()

    def _batches(self, rows: Any, by_case: bool) -> Iterator[list[tuple[Any, ...]]]:
        order = ("case_id", "seq") if by_case else ("seq",)
        after: Q | None = None
        while True:
            page = rows.filter(after) if after is not None else rows
            found = list(page.order_by(*order).values_list(*ROW)[: self.batch])
            if found:
                yield found
            if len(found) < self.batch:
                return
            last = dict(zip(ROW, found[-1], strict=True))
            if by_case:
                # a range on the index's first column, then the rest of the last case
                after = Q(case_id__gte=last["case_id"]) & (
                    Q(case_id__gt=last["case_id"]) | Q(seq__gt=last["seq"])
                )
            else:
                after = Q(seq__gt=last["seq"])

    def _walk(self, rows: Any, *, by_case: bool) -> Iterator[Break]:
        current: object = object()  # no chain yet
        expected, prev, prev_id, broken = 1, GENESIS, None, False
        for batch in self._batches(rows, by_case):
            for values in batch:
                row = dict(zip(ROW, values, strict=True))
                self.events += 1
                if row["case_id"] != current:
                    current, expected, prev, prev_id, broken = (
                        row["case_id"],
                        1,
                        GENESIS,
                        None,
                        False,
                    )
                    self.chains += 1
                if broken:
                    continue
                what = _problem(row, expected, prev, prev_id)
                if what:
                    broken = True
                    yield self._break(row, what)
                    continue
                expected, prev, prev_id = row["seq"] + 1, row["hash"], row["id"]
                if self.case is not None:
                    self.head = (row["seq"], row["hash"])
                    if row["seq"] == self.seq:
                        self.at_seq = row["hash"]

    def _break(self, row: Mapping[str, Any], what: str) -> Break:
        number = ""
        if row["case_id"] is not None:
            number = Case.objects.filter(pk=row["case_id"]).values_list("number", flat=True)[0]
        return Break(row["case_id"], number, row["id"], row["seq"], row["action"], what)

    def _empty(self, case_id: int, number: str) -> Break:
        return Break(case_id, number, None, 0, "", "no events: its whole event log is gone")

    def _without_events(self) -> Iterator[Break]:
        """Cases with no event at all (every case has at least `case.received`), by keyset
        batches of case ids."""
        last = 0
        while True:
            found = list(
                Case.objects.filter(pk__gt=last)
                .filter(~Exists(Event.objects.filter(case_id=OuterRef("pk"))))
                .order_by("pk")
                .values_list("pk", "number")[: self.batch]
            )
            for case_id, number in found:
                yield self._empty(case_id, number)
            if len(found) < self.batch:
                return
            last = found[-1][0]


def _problem(row: Mapping[str, Any], expected: int, prev: str, prev_id: int | None) -> str:
    """What is wrong with this link, or ''."""
    if row["seq"] != expected:
        if row["seq"] > expected:
            missing = row["seq"] - expected
            first = "the chain starts here" if expected == 1 else f"it follows seq {expected - 1}"
            return f"{missing} event(s) before it are missing ({first}): deleted"
        return f"seq {row['seq']} appears twice"
    if row["prev_hash"] != prev:
        if prev_id is None:
            return f"its prev_hash {_short(row['prev_hash'])} should be {_short(GENESIS)}"
        return (
            f"its prev_hash {_short(row['prev_hash'])} is not the hash of event {prev_id} "
            f"before it ({_short(prev)}): one of the two was rewritten after it was chained"
        )
    recomputed = digest(row["prev_hash"], row)
    if recomputed != row["hash"]:
        return (
            f"its content is not what was hashed when it was written (recomputed "
            f"{_short(recomputed)}, stored {_short(row['hash'])}): changed afterwards"
        )
    return ""


def _short(value: str) -> str:
    return f"{value[:16]}…"
