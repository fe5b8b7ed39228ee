"""Issues 22.5 and 24.5: the password hash is Argon2id at (not below) OWASP's minimum, a hash
made with Django's defaults (100 MiB, 8 lanes) still verifies and is stored again with these
parameters at the next sign-in, and a sign-in hashes once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import Client

from appealdesk import settings as project
from appealdesk.accounts.hashers import Argon2Hasher

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def product_hashers(settings):
    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS  # the tests' fast hasher otherwise


def sign_in(name: str = "bob") -> int:
    return Client().post("/desk/login/", {"username": name, "password": PASSWORD}).status_code


def parameters(encoded: str) -> tuple[int, int, int]:
    found = identify_hasher(encoded).decode(encoded)
    return found["memory_cost"], found["time_cost"], found["parallelism"]


def test_argon2id_at_owasps_minimum(product_hashers):
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$")
    memory, passes, lanes = parameters(encoded)
    # OWASP: "a minimum configuration of 19 MiB of memory, an iteration count of 2, and 1
    # degree of parallelism"; memory is the bound on a worker's growth per sign-in
    assert memory >= 19 * 1024 and passes >= 2 and lanes >= 1
    assert memory <= 32 * 1024


def test_an_old_hash_verifies_and_is_upgraded_at_sign_in(product_hashers, staff):
    user = get_user_model().objects.get(username="bob")
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert parameters(user.password) == (102400, 2, 8)
    assert sign_in() == 302
    user.refresh_from_db()
    assert parameters(user.password) == (
        Argon2Hasher.memory_cost,
        Argon2Hasher.time_cost,
        Argon2Hasher.parallelism,
    )
    assert sign_in() == 302  # and the new one works


def test_a_sign_in_hashes_once(product_hashers, staff, monkeypatch):
    user = get_user_model().objects.get(username="bob")
    user.set_password(PASSWORD)
    user.save()
    calls = []
    verify = Argon2Hasher.verify

    def counted(self, password, encoded):
        calls.append(1)
        return verify(self, password, encoded)

    monkeypatch.setattr(Argon2Hasher, "verify", counted)
    assert sign_in() == 302
    assert len(calls) == 1
