"""Mailroom fixtures: the case core's personas, a clean storage, and the mailroom's settings."""

from __future__ import annotations

import pytest

from tests.cases.conftest import NOW, _fast_settings, member, people, receive, team  # noqa: F401

__all__ = ["NOW"]


@pytest.fixture(autouse=True)
def _mailroom_settings(settings):
    settings.MAILROOM_MAX_PAGES = 50
    settings.MAILROOM_MAX_ATTACHMENTS = 20


def require(*commands: str) -> None:
    """Skip when a Debian command is missing, except under CI=true where that is a failure (as
    the PostgreSQL pass does): the real parts are the point of these tests."""
    import shutil

    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (./dev installs APT_PACKAGES)")


def unavailable(message: str) -> None:
    import os

    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


@pytest.fixture
def ocr():
    require("ocrmypdf", "tesseract", "gs")
