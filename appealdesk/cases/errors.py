"""Domain errors: what was refused and why, in words a person can act on."""

from __future__ import annotations

import datetime as dt


class DomainError(Exception):
    """Base class. `code` is stable (APIs map it to a problem type); `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "invalid_input"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class Refused(DomainError):
    """A rule refuses the action (no consent, conflict of interest, not allowed by the pack)."""

    code = "refused"


class StaleVersion(DomainError):
    code = "stale_version"

    def __init__(
        self,
        *,
        case_number: str,
        expected: int,
        current: int,
        changed_by: str,
        changed_at: dt.datetime | None,
    ) -> None:
        when = changed_at.isoformat(timespec="seconds") if changed_at else "an unknown time"
        super().__init__(
            f"case {case_number} was changed by {changed_by} at {when} (version {current}, "
            f"you had {expected}): reload it and apply your change again"
        )
        self.expected, self.current = expected, current
        self.changed_by, self.changed_at = changed_by, changed_at
