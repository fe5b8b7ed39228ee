"""Changes to a party (member, representative, provider) that are not changes of one case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import LANGUAGES, Party
from appealdesk.cases.services._common import _event


def language_of(code: str | None) -> str:
    """The letters' language for a language code of a request or a form: 'es' for Spanish
    ('es', 'es-MX'…), '' (English) for anything else."""
    return "es" if (code or "").lower().split("-")[0] == "es" else ""


def party_language_set(
    party: Party,
    *,
    language: str,
    actor: Any,
    case: Any = None,
    how: str = "",
    now: dt.datetime | None = None,
) -> Party:
    """The language the party's letters are written in ('' English, 'es' Spanish): from the
    portal's language choice or told to intake (issue 18, item 9). One event,
    `party.language_set`, on the case it was told about (if any); nothing when unchanged."""
    if language not in dict(LANGUAGES):
        raise InvalidInput("language must be '' (English) or 'es' (Spanish)", field="language")
    now = now or timezone.now()
    with transaction.atomic():
        before = (
            Party.objects.select_for_update().values_list("language", flat=True).get(pk=party.pk)
        )
        if before == language:
            party.language = language
            return party
        Party.objects.filter(pk=party.pk).update(language=language)
        party.language = language
        _event(
            case,
            "party.language_set",
            actor=actor,
            at=now,
            reason=how,
            before={"party": party.pk, "language": before or "en"},
            after={"party": party.pk, "language": language or "en"},
        )
    return party
