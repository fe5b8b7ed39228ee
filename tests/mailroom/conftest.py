"""Mailroom fixtures: the case core's personas, a clean storage, and the mailroom's settings."""

from __future__ import annotations

import pytest

from tests.cases.conftest import NOW, _fast_settings, member, people, receive, team  # noqa: F401
from tests.mailroom.dovecot import dovecot  # noqa: F401
from tests.mailroom.needs import require
from tests.sweep.test_kill import database  # noqa: F401 (a SQLite file, or a PostgreSQL database)

__all__ = ["NOW"]


@pytest.fixture(autouse=True)
def _mailroom_settings(settings):
    settings.MAILROOM_MAX_PAGES = 50
    settings.MAILROOM_MAX_ATTACHMENTS = 20


@pytest.fixture
def ocr():
    require("ocrmypdf", "tesseract", "gs")
