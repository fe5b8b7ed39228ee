"""Shared test helpers. A request is built from a small base and the fields a test cares about."""

from __future__ import annotations

from typing import Any

import pytest

from appealdesk.policy import assess


def ump(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "program": "ump",
        "received_at": "2026-03-02T10:15:00-08:00",
        "channel": "mail",
        "filed_by": "member",
        "requested": "appeal",
        "category": "claim_payment",
        "service": "medical",
        "notice_date": "2026-01-05",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def genex(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "program": "genex-ur",
        "received_at": "2026-03-02T10:15:00-08:00",
        "channel": "mail",
        "filed_by": "member",
        "requested": "grievance",
        "category": "ur_timeliness",
        "occurrence_date": "2026-01-05",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


def clocks(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["clock"]: d for d in result["deadlines"]}


@pytest.fixture
def run():
    return assess


# -- database tests ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _forget_pack_snapshots():
    """Snapshot ids are cached per process; a rolled-back test must not leak them."""
    yield
    try:
        from appealdesk.cases import packs
    except Exception:  # Django not configured (pure policy tests)
        return
    packs.forget()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """The manifest storage needs collectstatic; tests render templates without it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def browser() -> Any:
    """The one Chromium of the test process (tests/e2e and tests/sso drive it)."""
    from tests.e2e.conftest import launch_browser

    yield from launch_browser()
