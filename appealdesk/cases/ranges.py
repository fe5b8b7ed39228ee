"""Form validators for dates and times typed on the desk and the portal: inside the range the
policy engine accepts (`appealdesk.policy.contract`), so the year 9999 or the year 1 is a form
error naming the field, never an OverflowError when the time is moved to UTC or counted on. A
date of birth is a date from 1900 to today."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

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


EARLIEST_BIRTH = dt.date(1900, 1, 1)


def birth_date_in_range(value: dt.date) -> dt.date:
    """A date of birth from 1900 to today; raises ValueError (for the API's validation)."""
    if not EARLIEST_BIRTH <= value <= timezone.localdate():
        raise ValueError(f"a date of birth is from {EARLIEST_BIRTH.isoformat()} to today")
    return value


def birth_date_within_range(value: dt.date) -> None:
    try:
        birth_date_in_range(value)
    except ValueError as exc:
        raise ValidationError(f"Enter {exc}.", code="out_of_range") from None
