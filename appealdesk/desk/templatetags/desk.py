from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from appealdesk.desk.timeleft import span
from appealdesk.policy import wording

register = template.Library()


@register.filter
def words(value: Any) -> str:
    """An identifier as words: 'expedited_appeal' → 'expedited appeal'."""
    return str(value or "").replace("_", " ")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def duration(value: Any) -> str:
    """A timedelta in words: '15 minutes'."""
    return span(value) if isinstance(value, dt.timedelta) else str(value or "")


@register.filter
def instant(value: Any) -> str:
    """An ISO instant from `assess` in the page's zone: 'Thu Nov 26, 2026 10:55 PM PST'."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if moment.tzinfo is None:
        return str(value)
    return timezone.localtime(moment).strftime("%a %b %-d, %Y %-I:%M %p %Z")


@register.filter
def percent(probability: Any) -> str:
    """A probability as a reader says it: '87%', never a false '100%' or '0%'."""
    try:
        p = float(probability)
    except (TypeError, ValueError):
        return ""
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return f"{round(p * 100)}%"


@register.filter
def clock_span(value: Any) -> str:
    """A clock's length in words, from an assess deadline or a stored clock: '30 calendar
    days', '1 month', 'immediately'."""
    unit = value.get("unit") if hasattr(value, "get") else getattr(value, "unit", "")
    count = value.get("length") if hasattr(value, "get") else getattr(value, "length", 0)
    return wording.span_words(int(count or 0), str(unit or ""))


@register.filter
def next_level(value: Any) -> str:
    """An assessment's next level in words, or that it has no filing window."""
    return wording.next_level_words(value) if hasattr(value, "get") else ""


@register.filter
def window(value: Any) -> str:
    """A pack's filing window in words: rule, span, direction and strength."""
    return wording.window_words(value)
