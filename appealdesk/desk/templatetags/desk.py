from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def words(value: Any) -> str:
    """An identifier as words: 'expedited_appeal' → 'expedited appeal'."""
    return str(value or "").replace("_", " ")


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
