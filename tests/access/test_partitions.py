"""The access log partitioned by month on PostgreSQL (issue 24 item 2): migration 0003 converts a
table that already holds rows (every row kept, in its month's partition, the ids going on), an
insert into a month without a partition never fails (DEFAULT, reported, then moved into its
month by the worker's round), and SQLite keeps one table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from appealdesk.access import partitions
from appealdesk.access.archive import chain_verify
from appealdesk.access.models import AccessLog

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


def look(at: dt.datetime, **fields) -> AccessLog:
    row = AccessLog.objects.create(
        username="bob", case_number="UMP-1", what="case page", allowed=True, path="/", **fields
    )
    AccessLog.objects.filter(pk=row.pk).update(at=at)
    return row


def where(ids: list[int]) -> dict[int, str]:
    with connection.cursor() as c:
        c.execute(
            f"SELECT id, tableoid::regclass::text FROM {partitions.TABLE} WHERE id = ANY(%s)",
            [ids],
        )
        return dict(c.fetchall())


def test_sqlite_keeps_one_table():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite pass")
    assert not partitions.is_partitioned() and partitions.partitions_ensure(now=NOW) == []
    look(dt.datetime(2031, 1, 5, tzinfo=dt.UTC))
    assert partitions.default_rows() == 0 and AccessLog.objects.count() == 1


@pytest.mark.postgres
def test_the_migration_converts_a_table_with_rows():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the PostgreSQL pass of the test command)")
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        partitions.table_unpartition(editor)  # the table as it was before migration 0003
    assert not partitions.is_partitioned()
    old = [
        look(dt.datetime(2025, 1, 31, 23, 59, tzinfo=dt.UTC), case_ids=[3, 4], member_ids=[9]),
        look(dt.datetime(2025, 5, 1, tzinfo=dt.UTC)),
        look(dt.datetime(2026, 11, 15, tzinfo=dt.UTC)),
    ]
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        partitions.table_partition(editor, now=NOW)
    assert partitions.is_partitioned()
    months = sorted(partitions.partitions())
    assert months[0] == dt.date(2025, 1, 1) and months[-1] == dt.date(2027, 3, 1)
    assert len(months) == 27  # every month from the oldest row to three past now: no gaps
    ids = [r.pk for r in old]
    assert where(ids) == {
        ids[0]: "desk_accesslog_y2025m01",
        ids[1]: "desk_accesslog_y2025m05",
        ids[2]: "desk_accesslog_y2026m11",
    }
    kept = AccessLog.objects.get(pk=ids[0])
    assert kept.case_ids == [3, 4] and kept.member_ids == [9] and kept.username == "bob"
    # the identity goes on past the copied ids; the look-ups' indexes are there, BRIN on time
    new = look(dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert new.pk > max(ids)
    with connection.cursor() as c:
        c.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [partitions.TABLE]
        )
        indexes = dict(c.fetchall())
    assert "USING brin (at)" in indexes["access_at"]
    assert "(id, at)" in indexes["desk_accesslog_pkey"]
    assert {"access_case_at", "access_member_ids_gin", "access_case_ids_gin"} <= indexes.keys()


@pytest.mark.postgres
def test_a_month_without_a_partition_never_fails_and_is_moved_in():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the PostgreSQL pass of the test command)")
    far = look(dt.datetime(2031, 7, 4, tzinfo=dt.UTC))  # the worker has not run for years
    assert where([far.pk]) == {far.pk: partitions.DEFAULT}
    problems = chain_verify()[1]
    assert any("1 access-log rows are in the DEFAULT partition" in p for p in problems)
    created = partitions.partitions_ensure(now=NOW)
    assert "desk_accesslog_y2031m07" in created
    assert where([far.pk]) == {far.pk: "desk_accesslog_y2031m07"}
    assert partitions.default_rows() == 0
    assert partitions.partitions_ensure(now=NOW) == []  # a second round: nothing to do
