"""Missing information: asked for, and received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from appealdesk.cases import packs
from appealdesk.cases.errors import InvalidInput, InvalidTransition
from appealdesk.cases.models import (
    Case,
    InformationRequest,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.services._common import (
    _event,
    _fresh,
    _move,
    _now,
    _save,
    _user,
)


def case_request_information(
    case: Case,
    *,
    actor: Any,
    items: Sequence[str] | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> InformationRequest:
    now = _now(now)
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        wanted = list(items if items is not None else case.missing)
        if not wanted and not note.strip():
            raise InvalidInput(
                "name the items to request, or say what is needed in a note", field="items"
            )
        _move(case, S.AWAITING_INFORMATION)
        _save(case, expected, actor, now, state=S.AWAITING_INFORMATION)
        info = InformationRequest.objects.create(
            case=case, items=wanted, note=note, requested_at=now, requested_by=_user(actor)
        )
        _event(
            case,
            "case.information_requested",
            actor=actor,
            at=now,
            reason=note,
            after={"items": wanted, "request_id": info.pk},
        )
    return info


def case_receive_information(
    case: Case,
    *,
    actor: Any,
    items: Sequence[str],
    received_at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    now = _now(now)
    received_at = received_at or now
    with transaction.atomic():
        case, expected = _fresh(case, expected_version)
        if case.state not in (S.AWAITING_INFORMATION, S.RECEIVED, S.IN_REVIEW, S.REOPENED):
            raise InvalidTransition(
                f"case {case.number} is {case.state}: no information is being waited for"
            )
        provided = sorted({*case.provided, *items})
        program = packs.program_of(case.pack_id)
        known = {program.aliases.get(i.lower(), i) for i in items}
        missing = [m for m in case.missing if m not in known]
        state = S.IN_REVIEW if case.state == S.AWAITING_INFORMATION else case.state
        _save(case, expected, actor, now, provided=provided, missing=missing, state=state)
        # a request stops waiting when everything it asked for has come (a note-only request:
        # at the first answer); one still short of an item, the EOB say, keeps waiting for it
        still_waiting = []
        for info in InformationRequest.objects.filter(case=case, received_at__isnull=True):
            info.received_items = sorted({*info.received_items, *items})
            got = {program.aliases.get(i.lower(), i) for i in info.received_items}
            if all(program.aliases.get(i.lower(), i) in got for i in info.items):
                info.received_at = received_at
            else:
                still_waiting.append(info.pk)
            info.save(update_fields=["received_items", "received_at"])
        _event(
            case,
            "case.information_received",
            actor=actor,
            at=now,
            reason=note,
            before={"missing": case.missing},
            after={
                "items": list(items),
                "missing": missing,
                "received_at": received_at,
                "requests_still_waiting": still_waiting,
            },
        )
    return case


def _close_open_requests(case: Case, *, actor: Any, now: dt.datetime, why: str) -> None:
    """A case decided, dismissed or closed waits for nothing more: its open information
    requests stop waiting, in the caller's transaction, with an event that names them."""
    waiting = list(
        InformationRequest.objects.filter(case=case, received_at__isnull=True).values_list(
            "pk", "items"
        )
    )
    if not waiting:
        return
    InformationRequest.objects.filter(pk__in=[pk for pk, _ in waiting]).update(
        received_at=now, closed_reason=why
    )
    _event(
        case,
        "case.information_requests_closed",
        actor=actor,
        at=now,
        reason=why,
        after={"requests": [{"request_id": pk, "items": items} for pk, items in waiting]},
    )
