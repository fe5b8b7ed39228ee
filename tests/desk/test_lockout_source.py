"""Issue 15: failed passwords lock an account from the source they came from, not everywhere,
so nobody can lock a colleague out by typing wrong passwords for their name; behind TLS proxies
the source is the client's address, not the proxy's."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def sign_in(client: Client, password: str, **headers: str):
    return client.post("/desk/login/", {"username": "bob", "password": password}, **headers)


def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(staff):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(4):
        assert sign_in(attacker, "wrong").status_code == 200
    assert sign_in(attacker, "wrong").status_code == 429  # locked, for this source
    assert sign_in(attacker, "right-password").status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(owner, "right-password").status_code == 302  # the owner still signs in
    assert owner.get("/desk/").status_code == 200


def test_behind_a_proxy_the_forwarded_address_is_the_source(staff, settings):
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.1"  # every request reaches the server from the proxy
    attacker = Client(REMOTE_ADDR=proxy)
    for _ in range(5):
        # a forged left-hand entry is the client's own word and changes nothing
        sign_in(attacker, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{_}, 203.0.113.9")
    assert sign_in(attacker, "right-password", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == (
        429
    )
    owner = Client(REMOTE_ADDR=proxy)
    response = sign_in(owner, "right-password", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302
