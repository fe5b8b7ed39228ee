"""Issue 15 item 2: a session in constant use still ends 8 hours after its sign-in (the
absolute limit), on the desk, the admin, the API's desk session and the portal; the person
signs in again with the password (and the second factor where required)."""

from __future__ import annotations

import pytest
from django.test import Client

from appealdesk.accounts import session_limit
from tests.portal.conftest import PASSWORD, make_account

pytestmark = pytest.mark.django_db

EIGHT_HOURS = 8 * 3600


class Clock:
    """A clock the test moves forward: both the idle rule and the absolute limit read it."""

    def __init__(self, start: int) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    import time

    fake = Clock(int(time.time()))
    monkeypatch.setattr(time, "time", fake)
    return fake


def test_the_default_limit_is_eight_hours():
    from appealdesk import settings as project

    assert project.SESSION_ABSOLUTE_SECONDS == EIGHT_HOURS


def test_signing_in_notes_the_instant(client, staff, clock):
    client.post("/desk/login/", {"username": "bob", "password": "right-password"})
    assert client.session[session_limit.KEY] == clock.now


def test_a_desk_session_used_every_minute_ends_after_eight_hours(client, staff, clock, settings):
    settings.SESSION_ABSOLUTE_SECONDS = EIGHT_HOURS
    assert client.post("/desk/login/", {"username": "bob", "password": "right-password"})[
        "Location"
    ]
    # a request every minute: never idle, and every minute's save moves the cookie's expiry
    for _minute in range(8 * 60 - 1):
        clock.now += 60
        assert client.get("/desk/account/").status_code == 200
    clock.now += 61  # 8 hours and a second after the sign-in
    ended = client.get("/desk/account/")
    assert ended.status_code == 302 and ended["Location"].startswith("/desk/login/")
    assert "reached its limit of hours" in client.get(ended["Location"]).content.decode()
    assert client.get("/desk/account/").status_code == 302  # signed out, not just turned away
    # signing in again starts a new eight hours
    client.post("/desk/login/", {"username": "bob", "password": "right-password"})
    assert client.get("/desk/account/").status_code == 200


def test_the_api_and_the_admin_hold_the_limit_too(client, staff, clock, settings):
    client.force_login(staff["root"])
    assert client.get("/api/v1/packs").status_code == 200
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[session_limit.KEY] = clock.now - EIGHT_HOURS  # signed in 8 hours ago
    session.save()
    assert client.get("/api/v1/packs").status_code == 401
    client.force_login(staff["root"])
    session = client.session
    session[session_limit.KEY] = clock.now - EIGHT_HOURS
    session.save()
    assert client.get("/admin/").status_code == 302


def test_a_session_without_a_sign_in_instant_is_ended(client, staff):
    client.force_login(staff["bob"])
    session = client.session
    del session[session_limit.KEY]
    session.save()
    assert client.get("/desk/").status_code == 302


def test_a_portal_session_in_use_ends_after_eight_hours(clock, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    maria = make_account("maria@example.org")
    c = Client(HTTP_HOST="127.0.0.1")
    c.post("/portal/login/", {"username": "maria@example.org", "password": PASSWORD})
    for _step in range(8 * 6 - 1):  # every ten minutes, inside the portal's 15 idle minutes
        clock.now += 600
        assert c.get("/portal/").status_code == 200
    clock.now += 601
    ended = c.get("/portal/")
    assert ended.status_code == 302 and ended["Location"].startswith("/portal/login/")
    assert maria.user.is_active  # the account is fine; only the session ended
