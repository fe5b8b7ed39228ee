"""The test command's databases: the PostgreSQL run must really reach PostgreSQL."""

from __future__ import annotations

import os

import pytest


@pytest.mark.postgres
def test_postgresql_server_answers():
    if os.environ.get("APPEALDESK_TEST_DB") != "postgres":
        pytest.skip("runs in the PostgreSQL pass of ./dev test")
    url = os.environ.get("DATABASE_URL")
    if not url:
        # Under CI a missing service is a failure, never a skip.
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: the PostgreSQL pass has no DATABASE_URL")
        pytest.skip("no DATABASE_URL")
    import psycopg

    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()
    assert version is not None and int(version[0]) >= 150000  # PostgreSQL 15+
