"""The status pass (SPEC 5.5): the clock sweep that marks missed clocks, warns of clocks at risk,
notifies the people on the case and flags cases for immediate independent review."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from appealdesk.cases import chain, events, packs
from appealdesk.cases.events import ClockAtRisk
from appealdesk.cases.models import (
    LIVE_CLOCK_STATES,
    Case,
    Clock,
    ClockState,
    Event,
    SweepRun,
)
from appealdesk.cases.services._common import (
    _jsonable,
    _now,
)
from appealdesk.policy.clocks import NEVER_MISSED_UNITS


def clocks_refresh(
    *, now: dt.datetime | None = None, batch: int = 1000, pause: float = 0.0
) -> dict[str, int]:
    """The clock sweep. Marks running clocks past their due time as missed (an event each),
    warns once of each clock that became at risk (`at_risk_notified_at`), notifies the case's
    owner and its team's supervisor of both, and flags cases that became eligible for immediate
    independent review. Work is claimed in batches, each its own transaction, with conditional
    updates (healthchecks' sendalerts): two sweeps at once, or a sweep run again after one was
    killed, never mark, announce or notify anything twice, and a killed sweep loses only its
    uncommitted batch, which the next one claims again. Missed clocks (events) and clocks at risk
    (`ClockAtRisk`) are published inside each batch's transaction.
    `pause` sleeps between batches, to spare a busy database."""
    now = _now(now)
    counts = {"missed": 0, "at_risk_notified": 0, "notifications": 0, "immediate_iro": 0}
    after: dt.datetime | None = None
    while True:
        with transaction.atomic():
            # one statement claims and marks a batch (issue 22.4): rows locked by this sweep
            # only (PostgreSQL skips rows another sweep holds; SQLite serialises writers),
            # keyset pagination past the last batch's due time
            rows = _claim_missed(now, after, batch)
            if not rows:
                break
            missed = chain.append(
                [
                    Event(
                        case_id=c.case_id,
                        at=now,
                        actor_label="system",
                        action="clock.missed",
                        # a non-binding target passed is no missed deadline (issue 18)
                        after={
                            "clock": c.clock_id,
                            "due_at": c.due_at.isoformat(),
                            "binding": c.binding,
                        },
                    )
                    for c in sorted(rows, key=lambda c: (c.due_at, c.id))
                ],
                arrays=True,
            )
            events.publish(missed)
            counts["notifications"] += _notify([c.id for c in rows], "clock.missed", now)
            flagged = _flag_immediate_iro(rows, now)
            counts["notifications"] += _notify(flagged, "case.immediate_iro", now)
            counts["immediate_iro"] += len(flagged)
        counts["missed"] += len(rows)
        if len(rows) < batch:
            break
        # the rows claimed at the last due time left the live states: a lower bound suffices
        after = max(c.due_at for c in rows)
        _breathe(pause)
    at_risk_now = Q(state__in=LIVE_CLOCK_STATES, at_risk_at__lte=now, due_at__gte=now)
    while True:
        with transaction.atomic():
            claimed = list(
                Clock.objects.select_for_update(skip_locked=True)
                .filter(at_risk_now, at_risk_notified_at=None)
                .order_by("at_risk_at", "id")  # the partial index clock_at_risk_unclaimed
                .only("id", "case_id", "clock_id", "label", "at_risk_at", "due_at")[:batch]
            )
            if not claimed:
                break
            Clock.objects.filter(
                at_risk_now, at_risk_notified_at=None, pk__in=[c.pk for c in claimed]
            ).update(at_risk_notified_at=now)
            events.publish([ClockAtRisk(clock, now) for clock in claimed])
            counts["notifications"] += _notify([c.pk for c in claimed], "clock.at_risk", now)
        counts["at_risk_notified"] += len(claimed)
        if len(claimed) < batch:
            break
        _breathe(pause)
    counts["at_risk"] = Clock.objects.filter(at_risk_now).count()
    return counts


def clocks_sweep(
    *,
    now: dt.datetime | None = None,
    batch: int = 1000,
    pause: float = 0.0,
    worker: str = "",
) -> SweepRun:
    """Run the sweep (`clocks_refresh`) and record it as a `SweepRun` for the dashboard."""
    started = timezone.now()
    run = SweepRun.objects.create(started_at=started, worker=worker or _worker_name())
    run.counts = clocks_refresh(now=now, batch=batch, pause=pause)
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    # a run a minute: keep a month of them
    SweepRun.objects.filter(started_at__lt=started - SWEEP_RUNS_KEPT).delete()
    return run


SWEEP_RUNS_KEPT = dt.timedelta(days=31)


class Missed(NamedTuple):
    """A clock the sweep has just marked missed."""

    id: int
    case_id: int
    clock_id: str
    due_at: dt.datetime
    binding: bool
    met_by: list[str]


def _claim_missed(now: dt.datetime, after: dt.datetime | None, batch: int) -> list[Missed]:
    """Mark missed the next `batch` live clocks past due (due at or after `after`), in due
    order, and return them: one UPDATE … RETURNING of a locked, limited selection (on
    PostgreSQL FOR UPDATE SKIP LOCKED: rows another sweep holds are left to it)."""
    never = sorted(NEVER_MISSED_UNITS)
    # as the ORM writes them (SQLite: naive UTC text, which the comparisons below compare as text)
    at, since_at = (connection.ops.adapt_datetimefield_value(v) for v in (now, after))
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    since = "AND due_at >= %s " if after is not None else ""
    live = ", ".join(["%s"] * len(LIVE_CLOCK_STATES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE cases_clock SET state = %s, missed_marked_at = %s WHERE id IN ("
            f"SELECT id FROM cases_clock WHERE state IN ({live}) AND due_at < %s {since}"
            f"AND unit NOT IN ({', '.join(['%s'] * len(never))}) "
            f"ORDER BY due_at, id LIMIT %s{lock}) AND state IN ({live}) "
            "RETURNING id, case_id, clock_id, due_at, binding, met_by",
            [
                ClockState.MISSED,
                at,
                *LIVE_CLOCK_STATES,
                at,
                *([since_at] if after is not None else []),
                *never,
                batch,
                *LIVE_CLOCK_STATES,
            ],
        )
        return [
            Missed(pk, case_id, clock_id, _instant(due), bool(binding), _json(met_by))
            for pk, case_id, clock_id, due, binding, met_by in cursor.fetchall()
        ]


def _instant(value: Any) -> dt.datetime:
    """A timestamp as a plain cursor gives it: aware on PostgreSQL, UTC text on SQLite."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _breathe(pause: float) -> None:
    if pause > 0:
        import time

        time.sleep(pause)


# what a notification says: after the clock's label, or alone
NOTIFICATION_TEXT = {
    "clock.missed": ("k.label || %s", ": missed"),
    "clock.at_risk": ("k.label || %s", ": at risk"),
    "case.immediate_iro": (
        "%s",
        "the plan missed a decision timeline: independent review is available immediately",
    ),
}
# who hears of a case's clocks: its owner, and its team's supervisor unless that is the owner
RECIPIENTS = {
    "owner": "c.owner_id",
    "supervisor": "CASE WHEN t.supervisor_id <> c.owner_id OR c.owner_id IS NULL "
    "THEN t.supervisor_id END",
}


def _notify(clock_ids: Sequence[int], kind: str, now: dt.datetime) -> int:
    """One notification per (clock, kind, recipient, due time) for the case's owner and its
    team's supervisor, written by the database from the clock rows in one statement per
    recipient (a sweep writes tens of thousands); the unique constraint drops a repeat. How
    many were written."""
    if not clock_ids:
        return 0
    text, words = NOTIFICATION_TEXT[kind]
    if connection.vendor == "postgresql":
        # both recipients in one INSERT … SELECT, the clocks as one array parameter
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_notification "
                "(recipient_id, case_id, clock_id, kind, due_at, text, created_at) "
                f"SELECT r.id, k.case_id, k.id, %s, k.due_at, SUBSTR({text}, 1, 300), %s "
                "FROM cases_clock k JOIN cases_case c ON c.id = k.case_id "
                "LEFT JOIN cases_team t ON t.id = c.team_id CROSS JOIN LATERAL (VALUES "
                f"({RECIPIENTS['owner']}), ({RECIPIENTS['supervisor']})) AS r(id) "
                "WHERE k.id = ANY(%s) AND r.id IS NOT NULL ON CONFLICT DO NOTHING",
                [kind, words, now, list(clock_ids)],
            )
            return max(cursor.rowcount, 0)
    ids = ", ".join(["%s"] * len(clock_ids))
    written = 0
    with connection.cursor() as cursor:
        for recipient in RECIPIENTS.values():
            cursor.execute(
                "INSERT INTO cases_notification "
                "(recipient_id, case_id, clock_id, kind, due_at, text, created_at) "
                f"SELECT {recipient}, k.case_id, k.id, %s, k.due_at, SUBSTR({text}, 1, 300), %s "
                "FROM cases_clock k JOIN cases_case c ON c.id = k.case_id "
                "LEFT JOIN cases_team t ON t.id = c.team_id "
                f"WHERE k.id IN ({ids}) AND {recipient} IS NOT NULL "
                "ON CONFLICT DO NOTHING",
                [kind, words, now, *clock_ids],
            )
            written += max(cursor.rowcount, 0)
    return written


def _immediate_iro_kinds(pack_id: int) -> frozenset[str]:
    """The kinds whose missed decision opens independent review at once, read from the pack: it
    has a rule admitting external review when the plan missed a deadline (UMP: "If the plan has
    exceeded the timelines for response to your appeal…"), and the kind leads to external
    review at some level."""
    pack = packs.program_of(pack_id).pack
    rules = [*pack.rules.kind, *pack.rules.handler, *pack.rules.admission]
    if not any((r.when or {}).get("prior.plan_missed_deadline") is True for r in rules):
        return frozenset()
    return frozenset(
        p.kind
        for p in pack.processes
        if p.next_level is not None and p.next_level.kind == "external_review"
    )


# the milestones that answer a request: a clock met by one of them is a decision timeline (UMP's
# 30-day "decide the appeal and send notice" is met by the written notice)
DECISION_MILESTONES = frozenset({"decided", "notified_verbal", "notified_written"})


def _flag_immediate_iro(missed: Sequence[Any], now: dt.datetime) -> list[int]:
    """Flag the cases whose binding decision clock was just missed without a decision, where the
    pack makes that grounds for immediate independent review; the ids of the clocks that
    flagged a case. One conditional UPDATE … RETURNING flags each case (with its event) once,
    however many sweeps run."""
    deciding = {
        c.case_id: c for c in missed if c.binding and DECISION_MILESTONES & set(c.met_by or [])
    }
    if not deciding:
        return []
    candidates = Case.objects.filter(
        pk__in=list(deciding), decided_at=None, immediate_iro=False
    ).values_list("id", "kind", "pack_id")
    kinds: dict[int, frozenset[str]] = {}
    eligible = []
    for pk, kind, pack_id in candidates:
        if pack_id not in kinds:
            kinds[pack_id] = _immediate_iro_kinds(pack_id)
        if kind in kinds[pack_id]:
            eligible.append(pk)
    if not eligible:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET immediate_iro = %s, version = version + 1, updated_at = %s "
            f"WHERE id IN ({', '.join(['%s'] * len(eligible))}) "
            "AND immediate_iro = %s AND decided_at IS NULL RETURNING id",
            [True, now, *eligible, False],
        )
        flagged = sorted(row[0] for row in cursor.fetchall())
    flags = Event.objects.bulk_create(
        [
            Event(
                case_id=pk,
                at=now,
                actor_label="system",
                action="case.immediate_iro",
                reason="the plan exceeded its decision timeline without reaching a decision",
                after={
                    "clock": deciding[pk].clock_id,
                    "due_at": _jsonable(deciding[pk].due_at),
                },
            )
            for pk in flagged
        ]
    )
    events.publish(flags)
    return [deciding[pk].id for pk in flagged]
