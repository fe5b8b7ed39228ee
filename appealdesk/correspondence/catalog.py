"""The letter templates: shipped defaults (files, one per program and kind that applies to it),
loaded as version 1 the first time they are needed, and the administrators' new versions.

A template is a Django template string rendered by an engine of its own: autoescaping on, no
template loaders (so no `{% include %}` or `{% extends %}` of files), no tag libraries beyond the
built-in ones. Administrators write them; letters never run code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template import (
    Context,
    Engine,
    Template,
    TemplateDoesNotExist,
    TemplateSyntaxError,
)
from django.utils import timezone

from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import LANGUAGES
from appealdesk.correspondence.models import KIND_LABELS, LetterTemplate

SHIPPED_DIR = Path(__file__).resolve().parent / "letters"
SUBJECT_PREFIX = "subject:"
# the languages letters are written in: '' English, 'es' Spanish (Party.LANGUAGES)
LETTER_LANGUAGES = dict(LANGUAGES)


@dataclass(frozen=True)
class Shipped:
    subject: str
    body: str
    path: Path


@cache
def engine() -> Engine:
    return Engine(autoescape=True, loaders=[], libraries={}, string_if_invalid="")


@cache
def checking_engine() -> Engine:
    """The same, but a name the context does not have shows up, for the administrators' check."""
    return Engine(autoescape=True, loaders=[], libraries={}, string_if_invalid="⟦%s⟧")


def file_name(kind: str, language: str = "") -> str:
    """`decision.html` for English, `decision.es.html` for Spanish."""
    return f"{kind}.{language}.html" if language else f"{kind}.html"


def shipped(program: str, kind: str, language: str = "") -> Shipped | None:
    """The default text of a letter, from `letters/<program>/<kind>.html` (English) or
    `<kind>.<language>.html`: a first line `subject: …`, then the body."""
    path = SHIPPED_DIR / program / file_name(kind, language)
    if not path.is_file():
        return None
    first, _, body = path.read_text(encoding="utf-8").partition("\n")
    if not first.lower().startswith(SUBJECT_PREFIX):
        raise ValueError(f"{path}: the first line must be 'subject: …'")
    return Shipped(first[len(SUBJECT_PREFIX) :].strip(), body.strip() + "\n", path)


def shipped_kinds(program: str, language: str = "") -> list[str]:
    return [k for k in KIND_LABELS if (SHIPPED_DIR / program / file_name(k, language)).is_file()]


def digest(subject: str, body: str) -> str:
    return hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()


def template_for(program: str, kind: str, language: str) -> LetterTemplate | None:
    """The template a letter to a reader of `language` is made from: that language's active
    version, or the English one when the kind has no text in that language (a kind an
    administrator added in English only)."""
    if language:
        found = template_active(program, kind, language)
        if found is not None:
            return found
    return template_active(program, kind)


def template_active(program: str, kind: str, language: str = "") -> LetterTemplate | None:
    """The latest version in that language; the shipped default becomes version 1 the first
    time it is asked for."""
    latest = (
        LetterTemplate.objects.filter(program=program, kind=kind, language=language)
        .order_by("-version")
        .first()
    )
    if latest is not None:
        return latest
    default = shipped(program, kind, language)
    if default is None:
        return None
    try:
        with transaction.atomic():
            return LetterTemplate.objects.create(
                program=program,
                kind=kind,
                language=language,
                version=1,
                subject=default.subject,
                body=default.body,
                note=f"shipped default ({default.path.parent.name}/{default.path.name})",
                sha256=digest(default.subject, default.body),
                created_at=timezone.now(),
            )
    except IntegrityError:  # another request loaded it first
        return LetterTemplate.objects.get(program=program, kind=kind, language=language, version=1)


def template_versions(program: str, language: str = "") -> dict[str, int]:
    """Each kind of letter the program has in that language, with its active version (1 for a
    shipped default not yet loaded)."""
    stored = dict(
        LetterTemplate.objects.filter(program=program, language=language)
        .values("kind")
        .annotate(latest=Max("version"))
        .values_list("kind", "latest")
    )
    shipped_ = set(shipped_kinds(program, language))
    return {k: stored.get(k, 1) for k in KIND_LABELS if k in stored or k in shipped_}


def compile_template(text: str, field: str) -> Template:
    try:
        return engine().from_string(text)
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def template_save(
    *,
    program: str,
    kind: str,
    subject: str,
    body: str,
    note: str,
    actor: Any,
    based_on: int | None = None,
    language: str = "",
) -> LetterTemplate:
    """A new version (the old ones stay, as letters point at them). `based_on` is the version
    the administrator edited: if someone saved another since, nothing is saved."""
    if kind not in KIND_LABELS:
        raise InvalidInput(f"kind must be one of {', '.join(KIND_LABELS)}", field="kind")
    subject, body, note = subject.strip(), body.strip() + "\n", note.strip()
    if not note:
        raise InvalidInput("say what changed and why (it is kept with the version)", field="note")
    if not subject:
        raise InvalidInput("a letter needs a subject", field="subject")
    if "\n" in subject:
        raise InvalidInput("the subject is one line", field="subject")
    compile_template(subject, "subject")
    compile_template(body, "body")
    if language not in LETTER_LANGUAGES:
        raise InvalidInput(
            f"language must be one of: {', '.join(repr(k) for k in LETTER_LANGUAGES)}",
            field="language",
        )
    current = template_active(program, kind, language)
    version = current.version if current else 0
    if based_on is not None and based_on != version:
        who = current.created_by.get_username() if current and current.created_by else "someone"
        when = f" at {current.created_at:%Y-%m-%d %H:%M} UTC" if current else ""
        raise InvalidInput(
            f"{who} saved version {version}{when} since you opened version {based_on}: reload "
            "the page and apply your change to it",
            field="body",
        )
    if current is not None and digest(subject, body) == current.sha256:
        raise InvalidInput("nothing changed: edit the subject or the body", field="body")
    try:
        with transaction.atomic():
            return LetterTemplate.objects.create(
                program=program,
                kind=kind,
                language=language,
                version=version + 1,
                subject=subject,
                body=body,
                note=note,
                sha256=digest(subject, body),
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise InvalidInput(
            f"version {version + 1} was saved by someone else a moment ago: reload and edit it",
            field="body",
        ) from None


def render_text(text: str, context: dict[str, Any], *, checking: bool = False) -> str:
    """Render a template string against a letter's context."""
    chosen = checking_engine() if checking else engine()
    try:
        return chosen.from_string(text).render(Context(context, autoescape=True))
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"the letter template does not compile: {exc}") from None
    except TemplateDoesNotExist as exc:  # {% include %} or {% extends %}: no files here
        raise InvalidInput(f"a letter template cannot include other files ({exc})") from None
