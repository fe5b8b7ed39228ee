from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from appealdesk.correspondence.context import noun
from appealdesk.portal import common, packtext

register = template.Library()


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """A date (or an instant's local date) as a letter writes it: "March 2, 2026"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return common.day(value)


@register.filter
def tr(label: str) -> str:
    """A pack's label in the reader's language (see appealdesk/portal/packtext.py)."""
    return packtext.tr(label)


@register.filter
def packnoun(label: str) -> str:
    """A pack's label inside a sentence ("First-level appeal" → "first-level appeal")."""
    return noun(packtext.tr(label))
