"""The event log's hash chain (docs/record.md): every way an event is written links it; the
canonical form is the published one; `verify` finds an event edited, rewritten or deleted by
someone who switched the append-only trigger off, on SQLite and on PostgreSQL; two writers on
one case take turns; the migration chains the events written before it."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import itertools
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.db.utils import DatabaseError
from typer.testing import CliRunner

from appealdesk.cases import chain
from appealdesk.cases import services as sv
from appealdesk.cases.chain import GENESIS, ChainCheck
from appealdesk.cases.models import Case, Event
from appealdesk.cli import app
from tests.cases.conftest import NOW, ump_request

H, D = dt.timedelta(hours=1), dt.timedelta(days=1)
runner = CliRunner()


def worked(receive, people, **fields: Any) -> Case:
    """A case with a history: received, assigned, acknowledged, decided, notified."""
    case = receive(**fields)
    sv.case_assign(case, actor=people["bob"], owner=people["bob"], reviewer=people["carol"])
    sv.case_record_notice(case, actor=people["bob"], notice="acknowledgement", medium="written")
    sv.case_decide(case, actor=people["carol"], outcome="upheld", reason="the plan's terms")
    sv.case_record_notice(case, actor=people["bob"], notice="decision", medium="written")
    return case


def breaks(**options: Any) -> list[chain.Break]:
    return list(ChainCheck(**options).run())


def tamper(*statements: tuple[str, list[Any]]) -> None:
    """What a database superuser (or the tables' owner) can do: switch the append-only trigger
    off, change the log, switch it on again. Inside the test's transaction, so undone after."""
    if connection.vendor == "postgresql":
        # the foreign-key checks of this transaction's inserts first: ALTER TABLE refuses a
        # table with checks still pending
        off = [
            "SET CONSTRAINTS ALL IMMEDIATE",
            "ALTER TABLE cases_event DISABLE TRIGGER cases_event_append_only",
        ]
        on = ["ALTER TABLE cases_event ENABLE TRIGGER cases_event_append_only"]
    else:
        append_only = importlib.import_module("appealdesk.cases.migrations.0002_event_append_only")
        off, on = append_only.SQLITE_DROP, append_only.SQLITE
    with connection.cursor() as cursor:
        for sql in off:
            cursor.execute(sql)
        for sql, params in statements:
            cursor.execute(sql, params)
        for sql in on:
            cursor.execute(sql)


def published_check() -> list[tuple[int | None, int]]:
    """Run the standalone checker printed in docs/record.md over the events exported as it
    says (one JSON object a line, in chain order)."""
    text = (Path(__file__).parents[2] / "docs" / "record.md").read_text(encoding="utf-8")
    script = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {"__name__": "published"}
    exec(compile(script, "docs/record.md", "exec"), namespace)
    rows = Event.objects.order_by(F("case_id").asc(nulls_last=True), "seq").values(
        *chain.CHAINED, "prev_hash", "hash"
    )
    lines = [json.dumps({**row, "at": row["at"].isoformat()}) for row in rows]
    return [(case_id, seq) for case_id, seq, _ in namespace["check"](lines)]


def refused(sql: str, params: list[Any] | None = None) -> None:
    """The append-only trigger refuses `sql`."""
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


# -- every event is a link ---------------------------------------------------------------------
@pytest.mark.django_db
def test_every_event_the_services_write_is_linked_to_the_one_before(receive, people):
    case = worked(receive, people)
    events = list(Event.objects.filter(case=case).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].action == "case.received" and len(events) >= 5
    assert events[0].prev_hash == GENESIS
    for before, event in itertools.pairwise(events):
        assert event.prev_hash == before.hash
    for event in events:
        assert event.hash == chain.digest(event.prev_hash, chain.columns(event))
    assert breaks() == []
    assert breaks(case=case) == []


@pytest.mark.django_db
def test_the_canonical_form_is_the_published_one():
    """docs/record.md, redone by hand: sorted keys, no spaces, UTF-8, UTC to the microsecond,
    integral floats as integers; the hash is SHA-256 of the previous hash's 64 hex digits
    followed by that text."""
    fields = {
        "case_id": 7,
        "seq": 2,
        "at": dt.datetime(2026, 3, 2, 10, 30, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
        "actor_id": None,
        "actor_label": "alice",
        "action": "case.decided",
        "reason": "Peña's records",
        "before": None,
        "after": {"outcome": "upheld", "days": 3.0, "ratio": 0.5, "clocks": ("a", 1)},
    }
    text = (
        '{"action":"case.decided","actor_id":null,"actor_label":"alice",'
        '"after":{"clocks":["a",1],"days":3,"outcome":"upheld","ratio":0.5},'
        '"at":"2026-03-02T18:30:00.000005Z","before":null,"case_id":7,'
        '"reason":"Peña\'s records","seq":2}'
    )
    assert chain.canonical(fields) == text.encode("utf-8")
    prev = "ab" * 32
    assert chain.digest(prev, fields) == hashlib.sha256((prev + text).encode("utf-8")).hexdigest()


@pytest.mark.django_db
def test_every_way_of_writing_an_event_links_it(receive):
    """create, save and bulk_create all go through chain.append; a case-less event joins the
    case-less chain; an event is written once."""
    case = receive()
    Event.objects.create(case=case, at=NOW, actor_label="x", action="test.create")
    Event(case=case, at=NOW, actor_label="x", action="test.save").save()
    Event.objects.bulk_create(
        [Event(case=case, at=NOW, actor_label="x", action=f"test.bulk{i}") for i in range(3)]
        + [Event(case=None, at=NOW, actor_label="x", action="test.caseless") for _ in range(2)]
    )
    assert list(Event.objects.filter(case=case).order_by("seq").values_list("seq", "action")) == [
        (1, "case.received"),
        (2, "test.create"),
        (3, "test.save"),
        (4, "test.bulk0"),
        (5, "test.bulk1"),
        (6, "test.bulk2"),
    ]
    assert list(Event.objects.filter(case=None).values_list("seq", flat=True)) == [1, 2]
    assert breaks() == []
    with pytest.raises(TypeError, match="ignore_conflicts"):
        Event.objects.bulk_create([Event(case=case, at=NOW, action="x")], ignore_conflicts=True)
    written = Event.objects.filter(case=case).first()
    with pytest.raises(ValueError, match="append-only"):
        chain.append([written])


@pytest.mark.django_db
def test_a_fork_is_refused_by_the_database(receive):
    """Should anything get past the lock, two successors of one link cannot both be stored."""
    case = receive()
    twin = Event(case=case, at=NOW, actor_label="x", action="test.twin", seq=1)
    twin.prev_hash, twin.hash = GENESIS, "f" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.insert_chained([twin])


@pytest.mark.django_db
def test_the_sweep_keeps_every_chain_whole(receive):
    """A bulk writer: many cases, and several events of one case, in one batch, batch after
    batch."""
    cases = [receive() for _ in range(4)] + [receive(expedited=True, filed_by="provider")]
    counts = sv.clocks_refresh(now=NOW + 40 * D, batch=3)
    assert counts["missed"] >= 10
    for case in cases:
        missed = Event.objects.filter(case=case, action="clock.missed").count()
        assert missed >= 2
    assert breaks() == []


@pytest.mark.django_db
def test_the_demo_keeps_every_chain_whole():
    """The demo loader: every service, dozens of events."""
    from appealdesk.demo.data import load_demo

    load_demo(cases=12, seed=3, now=NOW, say=lambda _: None)
    assert Event.objects.count() > 3 * 12
    assert breaks() == []


@pytest.mark.django_db
def test_the_bench_loader_links_its_rows_with_the_same_function():
    """bench/generate.py writes cases and events with plain SQL (COPY on PostgreSQL)."""
    from bench import generate

    result = generate.generate(25, seed=5)
    assert result["events"] >= 25
    assert breaks() == []


# -- tampering, found ---------------------------------------------------------------------------
def _edit(event: Event) -> list[tuple[str, list[Any]]]:
    return [("UPDATE cases_event SET reason = %s WHERE id = %s", ["nothing was decided", event.pk])]


def _rewrite(event: Event) -> list[tuple[str, list[Any]]]:
    """Changed and its own hash recomputed: the next event still chains to the old hash."""
    event.after = {"outcome": "overturned"}
    forged = chain.digest(event.prev_hash, chain.columns(event))
    return [
        (
            "UPDATE cases_event SET after = %s, hash = %s WHERE id = %s",
            ['{"outcome": "overturned"}', forged, event.pk],
        )
    ]


# the notifications an event caused point at it: whoever deletes events deletes those first
UNLINK = "DELETE FROM cases_notification WHERE event_id IN (SELECT id FROM cases_event WHERE {})"


def _delete(event: Event) -> list[tuple[str, list[Any]]]:
    return [
        (UNLINK.format("id = %s"), [event.pk]),
        ("DELETE FROM cases_event WHERE id = %s", [event.pk]),
    ]


def _delete_all(event: Event) -> list[tuple[str, list[Any]]]:
    return [
        (UNLINK.format("case_id = %s"), [event.case_id]),
        ("DELETE FROM cases_event WHERE case_id = %s", [event.case_id]),
    ]


TAMPERING = {
    # what was done to the 4th event of a case → (the event named, what the check says)
    "content edited": (_edit, 4, "content is not what was hashed"),
    "content and hash rewritten": (_rewrite, 5, "is not the hash of event"),
    "event deleted": (_delete, 5, "1 event(s) before it are missing"),
    "whole log deleted": (_delete_all, None, "no events: its whole event log is gone"),
}


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("how", TAMPERING)
def test_verify_finds_tampering_by_a_superuser(how, receive, people):
    """Runs on SQLite and again on PostgreSQL (`./dev test`): the trigger switched off by those
    who may, one event changed; `verify` names the case, the event and what differs, and exits
    1. An intact case beside it is not mentioned."""
    make, named_seq, words = TAMPERING[how]
    intact = worked(receive, people)
    case = worked(receive, people)
    events = {e.seq: e for e in Event.objects.filter(case=case)}
    tamper(*make(events[4]))
    found = breaks()
    assert [(b.case_number, b.seq) for b in found] == [(case.number, named_seq or 0)]
    assert found[0].event_id == (events[named_seq].pk if named_seq else None)
    assert words in found[0].what
    assert breaks(case=intact) == []
    assert breaks(batch=2) == found  # the keyset batches give the same answer
    # the published method, redone outside appealdesk (docs/record.md), agrees
    assert published_check() == ([(case.pk, named_seq)] if named_seq else [])
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1, result.output
    assert f"BROKEN {case.number}" in result.output and intact.number not in result.output
    assert "1 broken" in result.output
    refused("DELETE FROM cases_event WHERE case_id = %s", [intact.pk])  # the trigger is back


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verify_finds_an_edit_made_by_the_postgres_superuser(receive, people):
    """On PostgreSQL, with the superuser itself (the throwaway cluster of `./dev test` trusts
    it on 127.0.0.1): its own session skips every trigger (`session_replication_role =
    replica`), no ALTER TABLE needed, and the edit is committed; `verify` finds it."""
    if connection.vendor != "postgresql":
        pytest.skip("the superuser of a PostgreSQL server")
    import psycopg

    case = worked(receive, people)
    event = Event.objects.get(case=case, seq=2)
    db = connection.settings_dict
    try:
        superuser = psycopg.connect(
            host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user="postgres", connect_timeout=5
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"no superuser sign-in on this server ({exc})")
    with superuser:
        superuser.execute("SET session_replication_role = replica")
        superuser.execute("UPDATE cases_event SET actor_label = 'nobody' WHERE id = %s", [event.pk])
    found = breaks()
    assert [(b.case_number, b.event_id) for b in found] == [(case.number, event.pk)]
    assert "content is not what was hashed" in found[0].what


@pytest.mark.django_db
def test_verify_one_case_prints_its_head_and_a_printed_one(receive, people):
    case = worked(receive, people)
    events = list(Event.objects.filter(case=case).order_by("seq"))
    result = runner.invoke(app, ["verify", "--case", case.number.lower(), "--seq", "3"])
    assert result.exit_code == 0, result.output
    assert f"{len(events)} events, chain head {events[-1].hash}" in result.output
    assert f"hash of event 3: {events[2].hash}" in result.output
    assert f"checked {len(events)} events in 1 chains" in result.output
    assert runner.invoke(app, ["verify", "--case", "UMP-1999-0000000"]).exit_code == 2
    assert runner.invoke(app, ["verify", "--seq", "3"]).exit_code == 2


# -- two writers at once ------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_on_one_case_take_turns(people, member):
    """On PostgreSQL: two transactions add an event to one case at the same moment; the second
    waits for the first's lock on the case, then chains to its event (no fork, no error)."""
    if connection.vendor != "postgresql":
        pytest.skip("the concurrency test runs on PostgreSQL (SQLite serialises writers)")
    case = sv.case_receive(request=ump_request(), actor=people["alice"], member=member, now=NOW)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        from django.db import connections

        try:
            with transaction.atomic():
                barrier.wait()
                sv._event(case, f"test.{name}", actor=people[name], at=NOW)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in ("bob", "carol")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(Event.objects.filter(case=case).values_list("seq", flat=True)) == [1, 2, 3]
    assert breaks() == []


# -- the migration ------------------------------------------------------------------------------
@pytest.fixture
def _log_emptied_after(transactional_db):
    """After the test: the schema migrated forward to the newest, then (the test database is
    emptied after a transactional test; on SQLite by DELETE, which the trigger refuses row by
    row) the event log emptied first, as its owner would."""
    yield
    # forward again to the newest migrations: the tests after this one need the whole schema
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    if connection.vendor == "sqlite":
        tamper(("DELETE FROM cases_notification", []), ("DELETE FROM cases_event", []))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_log_emptied_after")
def test_the_migration_chains_the_events_written_before_it(receive, people, monkeypatch):
    """Back to 0008 (no chain), events written there (one case's out of time order, and
    case-less ones), forward to 0009 in batches of 2: every chain is whole, in the order the
    events were written, and the trigger refuses UPDATE and DELETE again."""
    first, second = worked(receive, people), receive()
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0008_portal_requests_moved_in")])
    old = executor.loader.project_state(("cases", "0008_portal_requests_moved_in")).apps
    OldEvent = old.get_model("cases", "Event")
    OldEvent.objects.create(case_id=second.pk, at=NOW - D, actor_label="x", action="test.early")
    for n in range(3):
        OldEvent.objects.create(case_id=None, at=NOW, actor_label="x", action=f"test.none{n}")
    migration = importlib.import_module("appealdesk.cases.migrations.0009_event_chain")
    monkeypatch.setattr(migration, "CASES_A_BATCH", 1)
    monkeypatch.setattr(migration, "EVENTS_A_BATCH", 2)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("cases", "0009_event_chain")])
    assert breaks() == []
    for case in (first, second):
        rows = list(Event.objects.filter(case=case).order_by("seq").values_list("id", "seq"))
        assert [i for i, _ in rows] == sorted(i for i, _ in rows)
        assert [s for _, s in rows] == list(range(1, len(rows) + 1))
    assert Event.objects.filter(case=None).count() == 3
    refused("UPDATE cases_event SET action = 'forged'")
    refused("DELETE FROM cases_event")
