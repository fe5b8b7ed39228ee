"""The browser tests' world: a real appealdesk server (gunicorn, one worker) on a fresh SQLite
data folder seeded with scenario data, and one headless Debian Chromium driven by Playwright.

Not pytest-django's live_server: its flush would DELETE from the append-only event table, which
the database refuses. The server runs in its own process, started once for the session and
stopped by its PID; the tests read the database only through the sqlite3 module, read-only.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SCREENSHOTS,
    sign_in,
    totp,
    unavailable,
    watch,
)
from tests.e2e.portal import PHONE, portal_sign_in
from tests.mailbox import Mailbox

ADMIN_PASSWORD = "e2e-admin-password-1"
VIEWPORT = {"width": 1280, "height": 800}


@dataclass
class Desk:
    """The running server and what the seed made."""

    base: str
    data_dir: Path
    cases: dict[str, str]
    keys: dict[str, str]
    password: str
    log: Path
    mailbox: Mailbox
    portal: dict[str, Any] = field(default_factory=dict)  # the seed's portal people and cases
    states: dict[str, Any] = field(default_factory=dict)  # signed-in cookies by username

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def case_url(self, number: str) -> str:
        return f"{self.base}/desk/cases/{number}/"

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the server's database (read-only; WAL lets it read beside the server)."""
        uri = f"file:{self.data_dir / 'appealdesk.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=10) as db:
            return db.execute(sql, params).fetchall()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path, port: int, smtp_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        # the portal's e-mails (address confirmation, letters) go to the tests' SMTP server
        APPEALDESK_SMTP_HOST="127.0.0.1",
        APPEALDESK_SMTP_PORT=str(smtp_port),
        APPEALDESK_SITE_URL=f"http://127.0.0.1:{port}",
        APPEALDESK_DATA_DIR=str(data_dir),
        APPEALDESK_MFA="required",
        APPEALDESK_ADMIN_PASSWORD=ADMIN_PASSWORD,
        APPEALDESK_DEBUG="0",
        APPEALDESK_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="appealdesk.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture(scope="session")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    data_dir = tmp_path_factory.mktemp("e2e-desk")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    port = _free_port()
    env = _server_env(data_dir, port, smtp.port)
    _run([sys.executable, "-m", "appealdesk.cli", "init"], env, "appealdesk init")
    seeded = json.loads(
        _run([sys.executable, str(Path(__file__).with_name("seed.py"))], env, "seed")
    )
    log = data_dir / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "appealdesk.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"the server exited ({server.returncode}):\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/desk/login/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer in 30 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Desk(
            base=base,
            data_dir=data_dir,
            cases=seeded["cases"],
            keys=seeded["keys"],
            password=seeded["password"],
            log=log,
            mailbox=mailbox,
            portal=seeded["portal"],
        )
    finally:
        smtp.stop()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def launch_browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright. One per test process: the `browser` fixture in
    tests/conftest.py, shared by tests/e2e and tests/sso (a second sync_playwright in the same
    process fails with "Sync API inside the asyncio loop")."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest, browser: Any, desk: Desk
) -> Iterator[Callable[..., Any]]:
    """new_context(user=None, **options): a fresh browser context, signed in as `user` (each
    user signs in once per session, with password and code; later contexts reuse the cookies).
    On failure, every open page is saved to var/screenshots/failed-<test>-<n>.png. Any CSP
    violation, script error or console error on any of its pages fails the test."""
    made: list[Any] = []
    problems: list[str] = []

    def make(user: str | None = None, **options: Any) -> Any:
        options.setdefault("viewport", VIEWPORT)
        options.setdefault("locale", "en-US")
        options.setdefault("timezone_id", "America/Los_Angeles")
        if user is not None:
            if user not in desk.states:
                desk.states[user] = _signed_in_state(browser, desk, user, options)
            options["storage_state"] = desk.states[user]
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        watch(context, problems)
        made.append(context)
        return context

    yield make
    if request.node.stash.get(FAILED, False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        n = 0
        for context in made:
            for page in context.pages:
                n += 1
                page.screenshot(path=str(SCREENSHOTS / f"failed-{request.node.name}-{n}.png"))
    for context in made:
        context.close()
    if problems:
        pytest.fail("the browser reported:\n" + "\n".join(problems), pytrace=False)


def _signed_in_state(browser: Any, desk: Desk, user: str, options: dict[str, Any]) -> Any:
    context = browser.new_context(**options)
    problems: list[str] = []
    watch(context, problems)
    try:
        page = context.new_page()
        sign_in(page, desk.base, user, desk.password)
        page.wait_for_url("**/desk/mfa/**")
        page.fill("#id_token", totp(desk.keys[user]))
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(f"{desk.base}/desk/")
        assert not problems, f"signing in as {user}, the browser reported: {problems}"
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture
def page_as(new_context: Callable[..., Any]) -> Callable[..., Any]:
    """page_as(user): a new page in a new context signed in as `user`."""

    def make(user: str | None, **options: Any) -> Any:
        return new_context(user, **options).new_page()

    return make


@pytest.fixture
def portal_as(new_context: Callable[..., Any], desk: Desk) -> Callable[..., Any]:
    """portal_as(email, viewport=PHONE): a new page signed in to the portal as that person
    (each signs in once per session through the form; later pages reuse the cookies)."""

    def make(email: str, **options: Any) -> Any:
        options.setdefault("viewport", PHONE)
        key = f"portal:{email}"
        if key not in desk.states:
            context = new_context(None, **options)
            page = context.new_page()
            portal_sign_in(page, desk.base, email, desk.portal["password"])
            page.wait_for_url(f"{desk.base}/portal/")
            desk.states[key] = context.storage_state()
            return page
        return new_context(None, storage_state=desk.states[key], **options).new_page()

    return make
