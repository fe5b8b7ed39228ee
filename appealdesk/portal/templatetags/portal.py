from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from appealdesk.portal import common

register = template.Library()


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """A date (or an instant's local date) as a letter writes it: "March 2, 2026"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return common.day(value)
