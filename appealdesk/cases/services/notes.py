"""Staff's own words on a case: internal notes with @mentions, and the reviewer's "return to the
analyst". Neither is ever shown to members: the portal tells only the events it words
(`portal.status`), letters take no event text, and the case-file packet leaves both out unless
whoever makes it chooses to include them (`INTERNAL_ACTIONS`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from appealdesk.access import roles
from appealdesk.cases.errors import InvalidInput, InvalidTransition, Refused
from appealdesk.cases.models import Case, Event
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import _event, _fresh, _label, _now, _save

# the staff-only events: a packet for the member includes them only when chosen
INTERNAL_ACTIONS = frozenset({"case.note_added", "case.returned"})
NOTE_MAX = 5000
# a Django username (letters, digits, @ . + - _) after an @ that does not follow a word
# character, so "bob@example.org" mentions nobody; a full stop ending the sentence is not part
# of the name
MENTION = re.compile(r"(?<![\w.+-])@([\w.@+-]+)")
# a case the reviewer holds: sent back before her decision, never after it
RETURNABLE = (S.RECEIVED, S.IN_REVIEW, S.AWAITING_INFORMATION, S.REOPENED)


def mentioned_names(text: str) -> list[str]:
    """The usernames `text` mentions, in order, once each."""
    names = (m.group(1).rstrip(".") for m in MENTION.finditer(text))
    return list(dict.fromkeys(n for n in names if n))


def case_note_add(case: Case, *, actor: Any, text: str, now: dt.datetime | None = None) -> Event:
    """Add an internal note. Everyone it @mentions who may see the case is named in the event
    (and told: `appealdesk.activity`); a name that is nobody's, or someone's who may not see the
    case, is recorded as not told — never told, since a notification would show the case to
    someone the visibility rule keeps it from (`access.roles.can_see`). A note changes nothing
    on the case, so it takes no version: a note never makes someone else's open form stale."""
    now = _now(now)
    text = text.strip()
    if not text:
        raise InvalidInput("write the note", field="text")
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"a note is at most {NOTE_MAX} characters", field="text")
    author = _label(actor)
    names = [n for n in mentioned_names(text) if n != author]  # no one is told of her own note
    people = {
        u.get_username(): u
        for u in get_user_model().objects.filter(username__in=names, is_active=True)
    }
    told = [people[n] for n in names if n in people and roles.can_see(people[n], case)]
    not_told = [n for n in names if n not in {_label(u) for u in told}]
    with transaction.atomic():
        return _event(
            case,
            "case.note_added",
            actor=actor,
            at=now,
            reason=text,
            after={
                "mentioned": [_label(u) for u in told],
                "mention_ids": [u.pk for u in told],
                "not_told": not_told,
            },
        )


def case_return_to_analyst(
    case: Case,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """The reviewer sends the case back to its owner (the analyst) with what is wrong or
    missing. SPEC 5.2 has no state for it and no move back from review, so the state stays and
    the assignment changes: the reviewer is taken off (the case leaves her "To review" list) and
    the analyst, told, assigns a reviewer again when the file is ready."""
    now = _now(now)
    if not reason.strip():
        raise InvalidInput("say why the case goes back to the analyst", field="reason")
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        if case.state not in RETURNABLE:
            raise InvalidTransition(
                f"case {case.number} is {case.state}: only a case waiting for its decision can "
                "be returned to the analyst"
            )
        if case.reviewer_id is None:
            raise InvalidTransition(f"case {case.number} has no reviewer to return it from")
        if case.owner_id is None:
            raise Refused(
                f"case {case.number} has no owner to return it to: ask a supervisor to assign "
                "an analyst first",
                field="reason",
            )
        before = {"reviewer": _label(case.reviewer), "reviewer_id": case.reviewer_id}
        _save(case, expected, actor, now, reviewer=None)
        _event(
            case,
            "case.returned",
            actor=actor,
            at=now,
            reason=reason.strip(),
            before=before,
            after={"returned_to": _label(case.owner), "owner_id": case.owner_id},
        )
    return case
