"""A few seconds' memory of who an API key is (issue 22.1): key → user → roles and teams.

Resolving a key took three ORM statements per request (the key with its user, the user's
groups, their teams), compiled each time. Here a process remembers, for `SECONDS`, the key's
row and its user object (whose roles and teams `appealdesk.access.roles` caches on it), and
forgets everything at once when anything they come from changes in this process: a key, a
user, a group, a team, a staff profile, a membership (`STAMP` is bumped; a cached entry of an
older stamp is not used).

Revocation is not left to the cache: every request reads the key's revocation, expiry and its
user's `is_active` with one short statement that needs no compiling, so a key revoked or a user
deactivated in another process (the admin site in another worker, a command) is refused on its
very next request. A change of roles or teams made in another process is seen within `SECONDS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

SECONDS = 5.0


@dataclass(frozen=True)
class Entry:
    key: Any  # the ApiKey row, its user loaded
    stamp: int
    until: float


_entries: dict[str, Entry] = {}
_stamp = [0]


def forget(**_: Any) -> None:
    """Forget every key (a signal receiver; revocation calls it too)."""
    _stamp[0] += 1
    _entries.clear()


def remembered(prefix: str) -> Any | None:
    """The key of `prefix` as remembered, if it is still fresh."""
    entry = _entries.get(prefix)
    if entry is None or entry.stamp != _stamp[0] or entry.until < time.monotonic():
        return None
    return entry.key


def remember(prefix: str, key: Any) -> None:
    _entries[prefix] = Entry(key=key, stamp=_stamp[0], until=time.monotonic() + SECONDS)


def still_usable(key: Any) -> bool:
    """Whether the key is neither revoked nor expired and its user still active, as the
    database says now (one statement, not compiled by the ORM)."""
    users = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > %s) "
            f"AND u.is_active FROM api_apikey k JOIN {users} u ON u.id = k.user_id "
            "WHERE k.id = %s",
            [timezone.now(), key.pk],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def connect() -> None:
    """Forget on any change of what a key's resolution reads (ApiConfig.ready)."""
    from appealdesk.api.models import ApiKey
    from appealdesk.cases.models import StaffProfile, Team

    user = get_user_model()
    for model in (ApiKey, user, Group, Team, StaffProfile):
        post_save.connect(forget, sender=model, dispatch_uid=f"keycache-save-{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"keycache-del-{model.__name__}")
    for through in (user.groups.through, user.user_permissions.through, StaffProfile.teams.through):
        m2m_changed.connect(forget, sender=through, dispatch_uid=f"keycache-m2m-{through.__name__}")
