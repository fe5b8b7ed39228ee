"""Debian commands the real parts of the mailroom's tests need."""

from __future__ import annotations

import os
import shutil

import pytest


def require(*commands: str) -> None:
    """Skip when a Debian command is missing, except under CI=true where that is a failure (as
    the PostgreSQL pass does): the real parts are the point of these tests."""
    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (./dev installs APT_PACKAGES)")


def unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)
