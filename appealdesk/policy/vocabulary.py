"""The fixed vocabulary of SPEC sections 2 and 7, shared by packs, requests and results.

Everything program-specific (categories, services, handlers, clocks) lives in a pack; these are
the words every pack and every integration agrees on.
"""

from __future__ import annotations

from typing import Final, Literal

Kind = Literal[
    "complaint", "grievance", "appeal", "expedited_appeal", "external_review", "clinical_appeal"
]
Requested = Literal["complaint", "appeal", "grievance", "external_review", "clinical_appeal"]
Disposition = Literal["accept", "reject", "redirect", "informal"]
RejectionCode = Literal["untimely", "not_appealable", "not_eligible_requester", "not_eligible_yet"]
Channel = Literal["phone", "mail", "fax", "email", "portal", "in_person"]
Filer = Literal["member", "authorized_rep", "provider"]
# SPEC 5.2: a dismissal's reason is part of its outcome, so a later level can tell a late request
# from a withdrawn one. Plain `dismissed` (reason not given) stays accepted, with a warning.
Outcome = Literal[
    "upheld",
    "overturned",
    "partially_overturned",
    "withdrawn",
    "dismissed",
    "dismissed_untimely",
    "dismissed_not_appealable",
    "dismissed_withdrawn",
]
DismissalReason = Literal["untimely", "not_appealable", "withdrawn"]
Action = Literal["deny", "modify", "reduce", "terminate"]
Unit = Literal[
    "immediate",
    "minutes",
    "hours",
    "business_hours",
    "calendar_days",
    "business_days",
    "months",
    "years",
]
# The units a filing window may count in: a window counts from a date (a notice, an
# occurrence), so units finer than a day have nothing to count from.
WindowUnit = Literal["calendar_days", "business_days", "months", "years"]
Direction = Literal["not_after", "not_before"]
Strength = Literal["hard", "soft", "good_cause"]
Track = Literal["standard", "urgent"]
ClockState = Literal["pending", "running", "paused", "met", "missed", "extended", "cancelled"]

KINDS: Final = frozenset(Kind.__args__)  # type: ignore[attr-defined]
REQUESTED: Final = frozenset(Requested.__args__)  # type: ignore[attr-defined]
DISPOSITIONS: Final = frozenset(Disposition.__args__)  # type: ignore[attr-defined]
REJECTION_CODES: Final = frozenset(RejectionCode.__args__)  # type: ignore[attr-defined]
CHANNELS: Final = frozenset(Channel.__args__)  # type: ignore[attr-defined]
FILERS: Final = frozenset(Filer.__args__)  # type: ignore[attr-defined]
OUTCOMES: Final = frozenset(Outcome.__args__)  # type: ignore[attr-defined]
DISMISSAL_REASONS: Final = frozenset(DismissalReason.__args__)  # type: ignore[attr-defined]
ACTIONS: Final = frozenset(Action.__args__)  # type: ignore[attr-defined]
UNITS: Final = frozenset(Unit.__args__)  # type: ignore[attr-defined]
WINDOW_UNITS: Final = frozenset(WindowUnit.__args__)  # type: ignore[attr-defined]
# Units whose due time is an exact instant (`due_at` only, no `due_date`: SPEC 7 "Hour clocks
# give due_at"); the others are due by the end of a local day.
EXACT_UNITS: Final = frozenset({"immediate", "minutes", "hours", "business_hours"})

# The request's dates a filing window may count from (SPEC 7 input).
DATE_FIELDS: Final = ("notice_date", "occurrence_date", "prior.letter_date")

# The event that starts every clock that does not wait for a later one.
RECEIVED: Final = "received"

# A withdrawn request was never decided: what follows it is the same level again, not the next.
WITHDRAWN_OUTCOMES: Final = frozenset({"withdrawn", "dismissed_withdrawn"})
# Rejections that leave no filing window to be in or out of: a matter that cannot be appealed
# has none, and one not eligible yet waits for the decision letter its window counts from.
WINDOWLESS_REJECTIONS: Final = frozenset({"not_appealable", "not_eligible_yet"})


def dismissal_outcome(reason: str) -> str:
    """The outcome a later level is told: `dismissed_<reason>`, or plain `dismissed` when the
    reason was not recorded (a case dismissed before reasons were kept)."""
    return f"dismissed_{reason}" if reason in DISMISSAL_REASONS else "dismissed"
