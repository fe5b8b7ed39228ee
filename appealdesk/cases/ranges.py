"""Form validators for dates and times typed on the desk and the portal: inside the range the
policy engine accepts (`appealdesk.policy.contract`), so the year 9999 or the year 1 is a form
error naming the field, never an OverflowError when the time is moved to UTC or counted on."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from appealdesk.policy.contract import RANGE, date_in_range, instant_in_range


def date_within_range(value: dt.date) -> None:
    try:
        date_in_range(value)
    except ValueError:
        raise ValidationError(f"Enter a date from {RANGE}.", code="out_of_range") from None


def instant_within_range(value: dt.datetime) -> None:
    try:
        instant_in_range(value)
    except ValueError:
        raise ValidationError(f"Enter a time from {RANGE}.", code="out_of_range") from None
