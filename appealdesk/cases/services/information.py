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
        InformationRequest.objects.filter(case=case, received_at__isnull=True).update(
            received_at=received_at, received_items=list(items)
        )
        _event(
            case,
            "case.information_received",
            actor=actor,
            at=now,
            reason=note,
            before={"missing": case.missing},
            after={"items": list(items), "missing": missing, "received_at": received_at},
        )
    return case
