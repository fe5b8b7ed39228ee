"""E-mail addresses, checked where they enter (API, desk, party records) and again before a
letter is queued: an address the mail library cannot parse made the letter task raise, and the
letter stayed "sending" with no event."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from appealdesk.policy.quoting import quoted


def address_problem(address: str) -> str | None:
    """Why `address` is not one a letter can be e-mailed to, or None when it is."""
    try:
        # Django's EmailValidator, the one its forms and the model's EmailField use
        validate_email(address)
    except ValidationError:
        return f"{quoted(address)} is not a valid e-mail address"
    return None


def valid_address(address: str) -> str:
    """For pydantic (the API's schemas): an empty string is "no address"."""
    if address:
        problem = address_problem(address)
        if problem is not None:
            raise ValueError(f"{problem}; use the form name@example.org")
    return address
