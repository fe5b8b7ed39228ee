"""Django's SQLite backend, its write transactions queued on one lock (issue 22.1).

Every `atomic` block on the embedded database begins with `BEGIN IMMEDIATE` (settings: the
write lock taken at the start, so a transaction never fails half-way for want of it). A second
writer used to wait in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 50 ms… between
looks: the lock was often free for most of a sleep, and two gunicorn workers answered no faster
than one. Here a writer first takes an exclusive `flock` on a file beside the database (the
kernel wakes the next waiter the moment the holder lets go, and frees it if the holder dies),
then BEGINs; the lock is released when the transaction commits or rolls back, or the connection
closes. Statements outside `atomic` (autocommit) keep SQLite's own busy wait.

A writer waits for the lock as long as the transaction before it lasts (no `busy_timeout`
error after 10 s): the transactions of the embedded database are short, and a long one (a
migration, `generate`) should make the others wait rather than fail.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._locked = False

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None  # one connection's own database: nobody to queue with
        return f"{name}.writer-lock"

    def _take_lock(self) -> None:
        path = self._lock_path()
        if path is None or self._locked:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._locked = True

    def _let_go(self) -> None:
        if self._locked and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        self._locked = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._let_go()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()
        finally:
            self._let_go()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()
        finally:
            self._let_go()

    def _close(self) -> Any:
        try:
            return super()._close()
        finally:
            self._let_go()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
