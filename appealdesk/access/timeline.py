"""The case timeline in words, read from the event log (before/after kept as recorded)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

TITLES = {
    "case.received": "Request taken in",
    "case.reclassified": "Reclassified",
    "case.information_requested": "Information requested",
    "case.information_received": "Information received",
    "case.information_requests_closed": "Information requests closed unanswered",
    "case.assigned": "Assigned",
    "case.decided": "Decided",
    "case.dismissed": "Dismissed",
    "case.closed": "Closed",
    "case.reopened": "Reopened",
    "case.escalated": "Next level requested",
    "case.note_added": "Internal note",
    "case.returned": "Returned to the analyst",
    "clock.extended": "Clock extended",
    "clock.paused": "Clock paused",
    "clock.resumed": "Clock resumed",
    "clock.missed": "Deadline missed",
    "notice.acknowledgement": "Acknowledgement recorded",
    "notice.decision": "Decision notice recorded",
    "letter.generated": "Letter generated",
    "letter.send_requested": "Letter queued for e-mail",
    "letter.sent": "Letter e-mailed",
    "letter.send_failed": "Letter e-mail failed",
    "letter.mailed": "Letter recorded as mailed",
    "letter.send_decision_requested": "Decision letter asked to be made and sent",
    "letter.generate_failed": "Letter could not be made",
}
HIDDEN = {"clocks", "proposal", "request", "assessment", "mention_ids", "binding"}


@dataclass(frozen=True, slots=True)
class Entry:
    at: dt.datetime
    actor: str
    action: str
    title: str
    reason: str
    details: list[tuple[str, str]]
    clocks: list[tuple[str, str]]


def describe(event: Any) -> Entry:
    after: dict[str, Any] = event.after if isinstance(event.after, dict) else {}
    before: dict[str, Any] = event.before if isinstance(event.before, dict) else {}
    title = (
        TITLES.get(event.action) or event.action.split(".", 1)[-1].replace("_", " ").capitalize()
    )
    if event.action == "clock.missed" and after.get("binding") is False:
        title = "Target missed (not a deadline)"
    details = [
        (key.replace("_", " "), _words(value, before.get(key)))
        for key, value in after.items()
        if key not in HIDDEN and not key.endswith("_id") and value not in (None, "", [], {})
    ]
    clocks = [(name, _words(change)) for name, change in (after.get("clocks") or {}).items()]
    return Entry(event.at, event.actor_label, event.action, title, event.reason, details, clocks)


def _words(value: Any, previous: Any = None) -> str:
    if value is None:
        return "not yet (starts later)"
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_words(v)}" for k, v in value.items() if v)
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    text = _instant(value) if isinstance(value, str) else str(value).replace("_", " ")
    if previous not in (None, "", value) and not isinstance(previous, dict | list):
        return f"{_words(previous)} → {text}"
    return text


def _instant(text: str) -> str:
    """ISO instants as recorded are shown in the zone of the page (the case's program)."""
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is None:
            return text
        return timezone.localtime(moment).strftime("%b %-d, %Y %-I:%M %p %Z")
    return text.replace("_", " ") if " " not in text and "_" in text else text
