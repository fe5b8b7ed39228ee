"""The desk's reads of a person's notifications, each one indexed statement
(`notification_unread`: the unread rows of a recipient, by case)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from appealdesk.cases.models import Notification


def unread(user: Any) -> Any:
    return Notification.objects.filter(recipient=user, read_at=None)


def unread_count(user: Any) -> int:
    """The header's count: one query per page."""
    return int(unread(user).count())


def unread_cases(user: Any, case_ids: Iterable[int]) -> set[int]:
    """Which of a worklist page's cases have something unread for `user`: one query per page,
    whatever its length."""
    ids = list(case_ids)
    if not ids:
        return set()
    return set(unread(user).filter(case_id__in=ids).values_list("case_id", flat=True).distinct())


def mark_read(user: Any, *, case_id: int | None = None, ids: Iterable[int] | None = None) -> int:
    """Mark read what `user` has unread (of one case, or these notifications); how many."""
    rows = unread(user)
    if case_id is not None:
        rows = rows.filter(case_id=case_id)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return int(rows.update(read_at=timezone.now()))
