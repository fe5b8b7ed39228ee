"""Rationale templates (issue 18, item 4): the text a reviewer starts a decision's rationale
from, per program and outcome, kept as data and edited by administrators. Each save is a new
version (the old ones stay, with who, when and why), as with letter templates; the reviewer picks
one in the decide form and it is filled in for the case. The rationale she records is the
decision letter's "why" (`context.py`: the decision event's reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template import Context
from django.utils import timezone

from appealdesk.cases import packs
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Case
from appealdesk.cases.services import DECISION_OUTCOMES
from appealdesk.correspondence.catalog import compile_template, engine
from appealdesk.correspondence.models import RationaleTemplate

# the names a rationale template may use, with what they are (shown on the editor)
NAMES = {
    "member": "the member's name",
    "case_number": "the case number",
    "program": "the program's name",
    "service": "the service, in words",
    "category": "the category, in words",
    "received": "the day the request was received",
    "today": "today's date",
}


def rationales_active(program: str) -> list[RationaleTemplate]:
    """The latest version of every rationale template of a program, by outcome and name (two
    queries whatever the history)."""
    latest = (
        RationaleTemplate.objects.filter(program=program)
        .values("outcome", "name")
        .annotate(top=Max("version"))
    )
    wanted = {(row["outcome"], row["name"], row["top"]) for row in latest}
    return [
        t
        for t in RationaleTemplate.objects.filter(program=program)
        .select_related("created_by")
        .order_by("outcome", "name", "-version")
        if (t.outcome, t.name, t.version) in wanted
    ]


def rationale_save(
    *,
    program: str,
    outcome: str,
    name: str,
    text: str,
    note: str,
    actor: Any,
    based_on: int | None = None,
) -> RationaleTemplate:
    """A new version of a rationale template. `based_on` is the version the administrator
    edited (0 for a new one): if someone saved another since, nothing is saved."""
    if outcome not in DECISION_OUTCOMES:
        raise InvalidInput(
            f"outcome must be one of {', '.join(DECISION_OUTCOMES)}", field="outcome"
        )
    name, text, note = " ".join(name.split()), text.strip(), note.strip()
    if not name:
        raise InvalidInput("give the template a name reviewers pick it by", field="name")
    if not text:
        raise InvalidInput("a rationale template needs its text", field="text")
    if not note:
        raise InvalidInput("say what changed and why (it is kept with the version)", field="note")
    compile_template(text, "text")
    current = (
        RationaleTemplate.objects.filter(program=program, outcome=outcome, name=name)
        .order_by("-version")
        .first()
    )
    version = current.version if current else 0
    if based_on is not None and based_on != version:
        raise InvalidInput(
            f"version {version} was saved since you opened version {based_on}: reload the page "
            "and apply your change to it",
            field="text",
        )
    if current is not None and current.text == text:
        raise InvalidInput("nothing changed: edit the text", field="text")
    try:
        with transaction.atomic():
            return RationaleTemplate.objects.create(
                program=program,
                outcome=outcome,
                name=name,
                version=version + 1,
                text=text,
                note=note,
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise InvalidInput(
            f"version {version + 1} was saved by someone else a moment ago: reload and edit it",
            field="text",
        ) from None


def rationale_fill(
    template: RationaleTemplate, case: Case, *, now: dt.datetime | None = None
) -> str:
    """The template's text for this case: plain text (the letter escapes it when it prints
    it), names it does not know left empty."""
    program = packs.program_of(case.pack_id)
    pack = program.pack
    service = pack.services.get(case.service) if case.service else None
    category = pack.categories.get(case.category) if case.category else None
    today = timezone.localtime(now or timezone.now(), program.tz).date()
    context = {
        "member": case.member.name if case.member_id else "",
        "case_number": case.number,
        "program": pack.name,
        "service": service.label if service else (case.service or "").replace("_", " "),
        "category": category.label if category else (case.category or "").replace("_", " "),
        "received": f"{timezone.localtime(case.received_at, program.tz):%B %-d, %Y}",
        "today": f"{today:%B %-d, %Y}",
    }
    rendered = engine().from_string(template.text).render(Context(context, autoescape=False))
    return rendered.strip()
