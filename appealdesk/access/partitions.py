"""The access log on PostgreSQL: one partition a month (declarative range partitioning on `at`,
months in UTC), so a month is archived by reading one table and pruned by detaching and dropping
it — no DELETE of millions of rows, no bloat, no vacuum behind it (issue 24 item 2).

The parent's primary key is (id, at): PostgreSQL requires a partitioned table's unique keys to
include the partition key. Django keeps `id` as the model's primary key — ids come from one
identity sequence, so they stay unique — and nothing refers to the access log by foreign key.

A DEFAULT partition catches a row whose month has no partition yet (a worker that did not run
for months, a clock far off): an insert never fails. `partitions_ensure` (the worker, hourly)
creates the current month and the next `AHEAD` and moves any rows the DEFAULT partition caught
into their month; `appealdesk audit verify` reports rows waiting there.

SQLite keeps one table: every function here is a no-op or an empty answer there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction

TABLE = "desk_accesslog"  # AccessLog._meta.db_table (the desk app created it)
DEFAULT = f"{TABLE}_default"
AHEAD = 3  # months created ahead of the current one
COPY_BATCH = 50_000  # rows per INSERT … SELECT while converting a table

# The look-ups' indexes, built once on the parent (PostgreSQL builds each on every partition,
# present and future). BRIN on time: a few pages for a month of rows written in time order,
# where a B-tree would be a third of the table; `access_at` keeps the name Django's state knows.
INDEXES = [
    "CREATE INDEX access_at ON {t} USING brin (at)",
    "CREATE INDEX access_case_at ON {t} (case_id, at)",
    "CREATE INDEX access_user_at ON {t} (user_id, at)",
    "CREATE INDEX access_case_ids_gin ON {t} USING gin (case_ids jsonb_path_ops)",
    "CREATE INDEX access_member_ids_gin ON {t} USING gin (member_ids jsonb_path_ops)",
]
INDEX_NAMES = ["access_at", "access_case_at", "access_user_at"]
GIN_NAMES = ["access_case_ids_gin", "access_member_ids_gin"]


def month_start(moment: dt.date | dt.datetime) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def month_after(month: dt.date, months: int = 1) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first instant and the next month's, in UTC (the partition bounds)."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
    end = month_after(month)
    return start, dt.datetime(end.year, end.month, 1, tzinfo=dt.UTC)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def is_partitioned(cursor: Any = None) -> bool:
    if connection.vendor != "postgresql":
        return False
    with _cursor(cursor) as c:
        c.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = c.fetchone()
    return bool(row and row[0] == "p")


def partitions(cursor: Any = None) -> dict[dt.date, str]:
    """The month partitions that exist (the DEFAULT one apart), by month."""
    if not is_partitioned(cursor):
        return {}
    with _cursor(cursor) as c:
        c.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = inhrelid "
            "WHERE inhparent = to_regclass(%s)",
            [TABLE],
        )
        names = [r[0] for r in c.fetchall()]
    found = {}
    for name in names:
        tail = name.removeprefix(f"{TABLE}_y")
        if tail != name and len(tail) == 7 and tail[4] == "m":
            found[dt.date(int(tail[:4]), int(tail[5:]), 1)] = name
    return found


def default_rows(cursor: Any = None) -> int:
    """Rows in the DEFAULT partition: months the worker has not created yet."""
    if not is_partitioned(cursor):
        return 0
    with _cursor(cursor) as c:
        c.execute(f"SELECT count(*) FROM {DEFAULT}")
        return int(c.fetchone()[0])


def default_oldest() -> dt.datetime | None:
    """The oldest row the DEFAULT partition caught (None: it holds none)."""
    if not is_partitioned():
        return None
    with connection.cursor() as c:
        c.execute(f"SELECT min(at) FROM {DEFAULT}")
        found: dt.datetime | None = c.fetchone()[0]
    return found.astimezone(dt.UTC) if found else None


def partitions_ensure(now: dt.datetime | None = None, ahead: int = AHEAD) -> list[str]:
    """Create the partitions of this month and the next `ahead` (and of any month whose rows the
    DEFAULT partition holds, moving them in); the names created. Safe beside other workers: each
    month is created in its own transaction, under a lock on the parent."""
    if not is_partitioned():
        return []
    now = now or dt.datetime.now(dt.UTC)
    first = month_start(now)
    wanted = {month_after(first, n) for n in range(ahead + 1)}
    with connection.cursor() as c:
        c.execute(
            f"SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC')::date FROM {DEFAULT}"
        )
        wanted |= {row[0] for row in c.fetchall()}
    created = []
    for month in sorted(wanted):
        if month in partitions():
            continue
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no key check pending on the table's DDL
            c.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
            if month not in partitions(c):
                _partition_create(c, month)
                created.append(partition_name(month))
    return created


def _partition_create(c: Any, month: dt.date) -> None:
    """A month's partition. Rows of that month already in DEFAULT move into it first: attaching
    a range the DEFAULT partition holds rows of would fail."""
    name = partition_name(month)
    start, end = month_range(month)
    c.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    c.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE at >= %s AND at < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [start, end],
    )
    c.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end]
    )


def partition_drop(month: dt.date) -> bool:
    """Detach and drop a month's partition (pruning an archived month); False if it has none."""
    name = partitions().get(month)
    if name is None:
        return False
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no key check pending on the table's DDL
        c.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
        c.execute(f"DROP TABLE {name}")
    return True


def table_partition(schema_editor: Any, now: dt.datetime | None = None) -> None:
    """Convert the plain access-log table into the partitioned one (migration 0003): rename it
    aside, create the partitioned parent with the same columns, a partition for each month from
    the oldest row to `AHEAD` months past now (or the newest row), copy the rows in batches of
    ids, then drop the old table and build the indexes and keys once over the copied rows."""
    if schema_editor.connection.vendor != "postgresql" or is_partitioned():
        return
    old = f"{TABLE}_unpartitioned"
    run = schema_editor.execute
    keys = _replace(schema_editor, old, partitioned=True)
    run(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    with schema_editor.connection.cursor() as c:
        c.execute(f"SELECT min(at), max(at), min(id), max(id) FROM {old}")
        oldest, newest, low, high = c.fetchone()
        now = now or dt.datetime.now(dt.UTC)
        last = month_after(month_start(max(now, newest or now)), AHEAD)
        month = month_start(oldest or now)
        while month <= last:
            _partition_create(c, month)
            month = month_after(month)
        for since in range((low or 1) - 1, high or 0, COPY_BATCH):
            c.execute(
                f"INSERT INTO {TABLE} SELECT * FROM {old} WHERE id > %s AND id <= %s",
                [since, since + COPY_BATCH],
            )
    run(f"DROP TABLE {old}")
    _copy_finish(schema_editor, keys, INDEXES)


def table_unpartition(schema_editor: Any) -> None:
    """Back to one plain table (migration 0003 reversed): the rows copied, the ids kept."""
    if schema_editor.connection.vendor != "postgresql" or not is_partitioned():
        return
    old = f"{TABLE}_partitioned"
    run = schema_editor.execute
    keys = _replace(schema_editor, old, partitioned=False)
    run(f"INSERT INTO {TABLE} SELECT * FROM {old}")
    run(f"DROP TABLE {old} CASCADE")
    _copy_finish(schema_editor, keys, [sql.replace("USING brin (at)", "(at)") for sql in INDEXES])


def _foreign_keys_take(schema_editor: Any) -> list[tuple[str, str]]:
    """Drop the table's foreign keys (to users and cases) and return them to be added again
    once the rows are copied: a deferred key check pending on a copied row would forbid the
    partitions' DDL that follows in the same transaction."""
    with schema_editor.connection.cursor() as c:
        c.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype = 'f'",
            [TABLE],
        )
        keys = c.fetchall()
    for name, _ in keys:
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")
    return keys


def _copy_finish(schema_editor: Any, keys: list[tuple[str, str]], indexes: list[str]) -> None:
    """The identity sequence past the copied ids, the indexes, then the foreign keys."""
    with schema_editor.connection.cursor() as c:
        c.execute(f"SELECT max(id) FROM {TABLE}")
        high = c.fetchone()[0]
        c.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
            [TABLE, high or 1, high is not None],
        )
    for sql in indexes:
        schema_editor.execute(sql.format(t=TABLE))
    for name, definition in keys:
        schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")


def _replace(schema_editor: Any, old: str, *, partitioned: bool) -> list[tuple[str, str]]:
    """The table renamed to `old` (its key, sequence and indexes out of the way of the new
    table's names) and a new empty one of the same columns in its place, partitioned by month
    (its key then includes `at`) or plain; the old table's foreign keys, to add once the rows
    are copied."""
    run = schema_editor.execute
    run("SET CONSTRAINTS ALL IMMEDIATE")
    keys = _foreign_keys_take(schema_editor)
    for name in INDEX_NAMES + GIN_NAMES:
        run(f"DROP INDEX IF EXISTS {name}")
    run(f"ALTER TABLE {TABLE} RENAME TO {old}")
    run(f"ALTER TABLE {old} RENAME CONSTRAINT {TABLE}_pkey TO {old}_pkey")
    run(f"ALTER SEQUENCE IF EXISTS {TABLE}_id_seq RENAME TO {old}_id_seq")
    by_month = " PARTITION BY RANGE (at)" if partitioned else ""
    run(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS){by_month}")
    run(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
    key = "id, at" if partitioned else "id"
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
    return keys


class _cursor:
    """The given cursor, or a new one closed after use."""

    def __init__(self, given: Any) -> None:
        self.given = given
        self.own: Any = None

    def __enter__(self) -> Any:
        if self.given is not None:
            return self.given
        self.own = connection.cursor()
        return self.own

    def __exit__(self, *exc: object) -> None:
        if self.own is not None:
            self.own.close()
