"""Who is told of what happened to a case, and in what words: one `Notification` per (event,
recipient), written by a subscriber to the core's domain events (`appealdesk.cases.events`) in
the transaction of the event, so a notification never exists without its change, nor a change
without its notifications.

Nobody is told of what they did themselves. Everyone told may see the case: its owner, its
reviewer, its team's supervisor, and people a note mentions whom the note service found allowed
to see it (`cases.services.notes`)."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable, Sequence
from typing import Any

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases import events
from appealdesk.cases.models import Case, Event, Notification

# the kinds a person is told of, in the words of the notifications page and the digest
KINDS = {
    "case.assigned": "assigned to you",
    "case.information_received": "information received",
    "consent.given": "the member agreed to more time",
    "consent.refused": "the member did not agree to more time",
    "letter.send_failed": "a letter could not be e-mailed",
    "letter.generate_failed": "a letter could not be made",
    "case.reopened": "case reopened",
    "case.note_added": "you were mentioned in a note",
    "case.returned": "returned to you by the reviewer",
}
TEXT_MAX = 300


class Facts:
    """What the words and the recipients need of an event: its case's people, read once."""

    def __init__(self, event: Event, case: dict[str, Any]) -> None:
        self.event = event
        self.after: dict[str, Any] = event.after if isinstance(event.after, dict) else {}
        self.number: str = case["number"]
        self.owner: int | None = case["owner_id"]
        self.reviewer: int | None = case["reviewer_id"]
        self.supervisor: int | None = case["team__supervisor_id"]
        self.by = event.actor_label


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _assigned(f: Facts) -> list[tuple[int | None, str]]:
    told = []
    if "reviewer_id" in f.after:
        told.append((f.after["reviewer_id"], f"{f.by} assigned you case {f.number} to review."))
    if "owner_id" in f.after:
        told.append((f.after["owner_id"], f"{f.by} made you the owner of case {f.number}."))
    return told


def _on_portal(f: Facts) -> bool:
    """Whether a member (or her representative, or a provider) did it on the portal."""
    actor = f.event.actor_id
    return actor is not None and PortalAccount.objects.filter(user_id=actor).exists()


def _received(f: Facts) -> list[tuple[int | None, str]]:
    items = ", ".join(str(i).replace("_", " ") for i in f.after.get("items") or [])
    what = f" ({items})" if items else ""
    if _on_portal(f):
        text = f"The member answered on the portal on case {f.number}{what}."
        if f.event.reason:
            text += f" They wrote: “{_short(f.event.reason)}”"
    else:
        text = f"{f.by} recorded information received on case {f.number}{what}."
    return [(f.owner, text), (f.reviewer, text)]


def _consent(f: Facts) -> list[tuple[int | None, str]]:
    answer = "agreed" if f.event.action == "consent.given" else "did not agree"
    return [(f.owner, f"The member {answer} to more time on case {f.number} (on the portal).")]


def failure_words(reason: str) -> str:
    """A letter's send error as a person reads it: what went wrong and what to do, not the
    exception's name."""
    name, _, detail = reason.partition(": ")
    causes = {
        ConnectionRefusedError.__name__: "the mail server refused the connection (is it running?)",
        socket.timeout.__name__: "the mail server did not answer in time",
        TimeoutError.__name__: "the mail server did not answer in time",
        smtplib.SMTPRecipientsRefused.__name__: "the mail server refused the address",
        smtplib.SMTPAuthenticationError.__name__: "the mail server refused our sign-in",
        smtplib.SMTPServerDisconnected.__name__: "the mail server hung up",
        socket.gaierror.__name__: "the mail server's name is unknown",
    }
    if name in causes:
        return causes[name]
    return _short(detail or name, 100) if name.endswith("Error") else _short(reason, 100)


def _failed(f: Facts) -> list[tuple[int | None, str]]:
    kind = str(f.after.get("kind") or "a").replace("_", " ")
    to = f.after.get("to")
    text = (
        f"The {kind} letter of case {f.number} could not be e-mailed"
        f"{f' to {to}' if to else ''}: {failure_words(f.event.reason)}. Send it again or mail it."
    )
    return [(f.owner, text), (f.supervisor, text)]


def _not_made(f: Facts) -> list[tuple[int | None, str]]:
    kind = str(f.after.get("kind") or "a").replace("_", " ")
    text = (
        f"The {kind} letter of case {f.number} could not be made: {_short(f.event.reason, 160)}."
        " Fix it and send it again."
    )
    return [(f.owner, text), (f.supervisor, text)]


def _reopened(f: Facts) -> list[tuple[int | None, str]]:
    text = f"{f.by} reopened case {f.number}: “{_short(f.event.reason)}”"
    return [(f.owner, text), (f.reviewer, text)]


def _mentioned(f: Facts) -> list[tuple[int | None, str]]:
    text = f"{f.by} mentioned you in a note on case {f.number}: “{_short(f.event.reason)}”"
    return [(pk, text) for pk in f.after.get("mention_ids") or []]


def _returned(f: Facts) -> list[tuple[int | None, str]]:
    return [
        (f.owner, f"{f.by} returned case {f.number} to you: “{_short(f.event.reason)}”"),
    ]


TOLD: dict[str, Callable[[Facts], list[tuple[int | None, str]]]] = {
    "case.assigned": _assigned,
    "case.information_received": _received,
    "consent.given": _consent,
    "consent.refused": _consent,
    "letter.send_failed": _failed,
    "letter.generate_failed": _not_made,
    "case.reopened": _reopened,
    "case.note_added": _mentioned,
    "case.returned": _returned,
}


def notifications_of(event: Event) -> list[Notification]:
    """The notifications an event-log row causes (not yet saved)."""
    words = TOLD.get(event.action)
    if words is None or event.case_id is None:
        return []
    case = (
        Case.objects.filter(pk=event.case_id)
        .values("number", "owner_id", "reviewer_id", "team__supervisor_id")
        .first()
    )
    if case is None:
        return []
    told: dict[int, str] = {}
    for recipient, text in words(Facts(event, case)):
        if recipient is not None and recipient != event.actor_id and recipient not in told:
            told[recipient] = text[:TEXT_MAX]
    return [
        Notification(
            recipient_id=recipient,
            case_id=event.case_id,
            event=event,
            kind=event.action,
            text=text,
            created_at=event.at,
        )
        for recipient, text in told.items()
    ]


def on_case_events(published: Sequence[events.DomainEvent]) -> None:
    rows = [n for e in published if isinstance(e, Event) for n in notifications_of(e)]
    if rows:
        # one per (event, recipient): a replayed publication adds nothing
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
