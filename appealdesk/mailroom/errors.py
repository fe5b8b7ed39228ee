"""The mailroom's refusals reuse the core's domain errors (the desk and API already show them)."""

from __future__ import annotations

from appealdesk.cases.errors import DomainError, InvalidInput, InvalidTransition

__all__ = ["DomainError", "InvalidInput", "InvalidTransition", "StaleItem"]


class StaleItem(InvalidTransition):
    """Someone else changed the item since the caller saw it (two clerks on one fax)."""

    code = "stale_item"
