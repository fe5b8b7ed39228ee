"""What every portal part shares: dates and instants in words (in the program's zone), the pack
in force, and the electronic signature kept as evidence."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case, Signature
from appealdesk.policy.assess import Program, program_for
from appealdesk.policy.loader import default_registry


def program_named(program: str, on: dt.date | None = None) -> Program:
    """A program's pack in force on a day (its dates are that zone's)."""
    return program_for(default_registry().in_force(program, on or timezone.now().date()))


def day(value: dt.date) -> str:
    """A date as a letter writes it, the month in full: "March 2, 2026", "2 de marzo de 2026"."""
    return formats.date_format(value, pgettext("a date in words", "F j, Y"))


def local_day(value: dt.datetime, program: Program) -> dt.date:
    return value.astimezone(program.tz).date()


def moment(value: dt.datetime, program: Program) -> str:
    """An instant as the member reads it: the date and time in the program's zone."""
    local = value.astimezone(program.tz)
    return _("%(day)s at %(time)s %(zone)s") % {
        "day": day(local.date()),
        "time": formats.time_format(local.time(), "TIME_FORMAT"),
        "zone": local.tzname(),
    }


# titles and credentials a signer may add to or leave off their name ("Dr. Lee Ng" signs
# "Lee Ng, MD"); they are not part of the name compared
TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "md", "do", "np", "pa", "pa-c", "rn", "phd"})


def normalised(name: str) -> str:
    words = name.replace(",", " ").replace(".", " ").casefold().split()
    return " ".join(w for w in words if w not in TITLES)


def name_matches(typed: str, account: PortalAccount) -> bool:
    return bool(typed.strip()) and normalised(typed) == normalised(account.party.name)


def signature_record(
    *,
    account: PortalAccount,
    case: Case | None,
    purpose: str,
    typed_name: str,
    statement: str,
    content: Mapping[str, Any],
    program: Program,
    meta: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Signature:
    """An e-signature kept as evidence: the typed name (which must be the account holder's),
    the box ticked, when (UTC, and the local date in the program's zone), from where, and the
    SHA-256 of the canonical JSON of exactly what was signed and the words beside the box."""
    if not typed_name.strip():
        raise InvalidInput(_("Type your full name to sign."), field="typed_name")
    if not name_matches(typed_name, account):
        raise InvalidInput(
            _("The name you typed does not match the name on your account."), field="typed_name"
        )
    now = now or timezone.now()
    signed = json.loads(json.dumps(dict(content), default=str))
    canonical = json.dumps(
        {"content": signed, "statement": statement},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    meta = meta or {}
    return Signature.objects.create(
        account=account,
        case=case,
        purpose=purpose,
        typed_name=typed_name.strip(),
        agreed=True,
        statement=statement,
        signed_at=now,
        date_signed=local_day(now, program),
        content=signed,
        sha256=hashlib.sha256(canonical).hexdigest(),
        ip=meta.get("REMOTE_ADDR") or None,
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:300],
    )
