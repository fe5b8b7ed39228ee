"""The mailroom's settings, each with its default (override in Django settings or through the
environment variables named in docs/mailroom.md)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from appealdesk.mailroom.reading import Limits

# words that make an item urgent (a provider's expedited request); English and Spanish
URGENT_WORDS = (
    "expedited",
    "expedite",
    "urgent",
    "urgently",
    "life-threatening",
    "life threatening",
    "serious jeopardy",
    "jeopardize",
    "72 hours",
    "urgente",
    "acelerada",
    "apelación acelerada",
)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def limits() -> Limits:
    return Limits(
        max_pages=int(
            setting("MAILROOM_MAX_PAGES", _env_int("APPEALDESK_MAILROOM_MAX_PAGES", 100))
        ),
        max_pixels=int(
            setting("MAILROOM_MAX_PIXELS", 60_000_000)
        ),  # > a letter page at 600 dpi x 5
        max_frames=int(
            setting("MAILROOM_MAX_PAGES", _env_int("APPEALDESK_MAILROOM_MAX_PAGES", 100))
        ),
        ocr_seconds=float(
            setting("MAILROOM_OCR_SECONDS", _env_int("APPEALDESK_MAILROOM_OCR_SECONDS", 300))
        ),
        languages=str(setting("MAILROOM_OCR_LANGUAGES", "eng+spa")),
    )


def max_attachments() -> int:
    return int(setting("MAILROOM_MAX_ATTACHMENTS", 20))


def urgent_words() -> tuple[str, ...]:
    return tuple(setting("MAILROOM_URGENT_WORDS", URGENT_WORDS))


def unprocessed_hours(program: str) -> float:
    """Hours an item may wait unprocessed before the sweep warns: per program
    (`MAILROOM_UNPROCESSED_HOURS = {"ump": 24, "genex-ur": 24, "*": 24}`; "*" for items whose
    program is not known yet). A setting, not a pack field: it is the unit's own service level,
    not a rule of the program's documents."""
    hours = setting("MAILROOM_UNPROCESSED_HOURS", {"*": 24})
    return float(hours.get(program, hours.get("*", 24)))
