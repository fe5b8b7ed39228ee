"""Reads that may go to a PostgreSQL streaming replica (`DATABASE_REPLICA_URL`): reports, the
universe export and search. Everything else, and every write, goes to the primary.

`reads()` is a context manager (and decorator): ORM reads inside it go to the replica through
`ReplicaRouter`, and `cursor()` gives raw SQL the same connection. The replica is used only
while it is up and no more than `APPEALDESK_REPLICA_MAX_LAG_SECONDS` behind; otherwise the
block reads from the primary (a report a few seconds old is fine; one from an hour ago, or an
error page, is not). The check costs one statement and is remembered for `CHECK_SECONDS`.

No Django model import here: the settings name the router, and the reports, the search and
the universe import this module from every floor.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)
REPLICA = "replica"
CHECK_SECONDS = 5.0
# behind by: 0 when the replica has replayed all it received (an idle primary sends nothing,
# and the last replayed commit grows old without the replica being behind), else the age of
# the last commit it replayed; NULL when it has replayed none yet
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""

_current: ContextVar[str | None] = ContextVar("appealdesk_read_alias", default=None)
_lock = threading.Lock()
_checked: dict[str, Any] = {"at": float("-inf"), "alias": DEFAULT_DB_ALIAS, "why": ""}


def configured() -> bool:
    return REPLICA in settings.DATABASES


def _lag_seconds() -> float | None:
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
    except Exception:
        connection.close()  # a replica that went away: the next check connects again
        raise
    return None if row is None or row[0] is None else float(row[0])


def alias() -> str:
    """Where replica reads go now: "replica" when it is up and close enough, else "default"."""
    if not configured():
        return DEFAULT_DB_ALIAS
    now = time.monotonic()
    with _lock:
        if now - _checked["at"] < CHECK_SECONDS:
            return str(_checked["alias"])
        limit = settings.REPLICA_MAX_LAG_SECONDS
        try:
            lag = _lag_seconds()
            if lag is None:
                chosen, why = DEFAULT_DB_ALIAS, "the replica has replayed nothing yet"
            elif lag > limit:
                why = f"the replica is {lag:.0f} s behind (limit {limit:.0f} s)"
                chosen = DEFAULT_DB_ALIAS
            else:
                chosen, why = REPLICA, ""
        except Exception as exc:
            chosen, why = DEFAULT_DB_ALIAS, f"the replica cannot be reached ({type(exc).__name__})"
        if why != _checked["why"]:  # one line when it changes, not one per report
            if why:
                log.warning("reports read from the primary: %s", why)
            else:
                log.info("reports read from the replica again")
        _checked.update(at=now, alias=chosen, why=why)
        return chosen


def forget() -> None:
    """Check the replica again at the next read (tests; after a failover)."""
    with _lock:
        _checked.update(at=float("-inf"), alias=DEFAULT_DB_ALIAS, why="")


@contextmanager
def reads() -> Iterator[str]:
    """Inside: ORM reads and `cursor()` go to the replica when it is fit to read from. Also a
    decorator (`@reads()`), entered afresh at each call."""
    token = _current.set(alias())
    try:
        yield _current.get() or DEFAULT_DB_ALIAS
    finally:
        _current.reset(token)


@contextmanager
def cursor() -> Iterator[Any]:
    """A cursor on the connection reads go to now (the primary outside `reads()`)."""
    with connections[_current.get() or DEFAULT_DB_ALIAS].cursor() as found:
        yield found


def current() -> str:
    return _current.get() or DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Reads inside `reads()` go where it chose; everything else to the primary. Migrations run
    on the primary only (the replica follows it)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return _current.get()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
