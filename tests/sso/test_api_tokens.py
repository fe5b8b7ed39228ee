"""Issue 19, item 2: the API and the FHIR edge accept OAuth 2.0 access tokens (JWT, client
credentials) of the configured provider beside the API keys, and refuse a token of another
issuer, an expired one, one for another audience, one of an unknown key, one signed with no
algorithm (401)."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk

from tests.sso.conftest import API_AUDIENCE, CLIENT_SECRET, World


def _provider_token(world: World, scope: str = "cases:read") -> str:
    auth = base64.b64encode(f"claims-system:{CLIENT_SECRET}".encode()).decode()
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": scope}).encode()
    request = urllib.request.Request(
        f"{world.provider}/o/token/", data=body, headers={"Authorization": f"Basic {auth}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.load(answer)["access_token"])


def _get(world: World, path: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{world.base}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _forged(world: World, key: str | None = None, **changes: Any) -> str:
    """A token like the provider's, with `changes`, signed with its key (or `key`)."""
    now = int(time.time())
    claims = {
        "iss": f"{world.provider}/o",
        "aud": API_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "client_id": "claims-system",
        "scope": "cases:read",
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    kid = jwk.JWK.from_pem(world.private_key.encode()).thumbprint()
    return jwt.encode(claims, key or world.private_key, algorithm="RS256", headers={"kid": kid})


def test_a_client_credentials_token_reads_cases_and_a_fhir_task(world: World) -> None:
    token = _provider_token(world)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"  # a JWT, not an opaque token
    status, page = _get(world, "/api/v1/cases", token)
    assert status == 200, page
    assert page["items"], "the service user (the seed's analyst) sees cases of his team"
    number = page["items"][0]["number"]
    status, task = _get(world, f"/fhir/r4/Task/{number}", token)
    assert status == 200, task
    assert task["resourceType"] == "Task"
    assert any(i.get("value") == number for i in task.get("identifier", []))


def test_the_providers_keys_are_fetched_once_and_kept(world: World) -> None:
    def fetches() -> int:
        return world.provider_log.read_text().count("GET /o/.well-known/jwks.json")

    _get(world, "/api/v1/cases", _provider_token(world))  # the keys are in the cache now
    before = fetches()
    for _ in range(5):
        assert _get(world, "/api/v1/cases", _provider_token(world))[0] == 200
    assert fetches() == before


def test_a_token_is_held_to_its_scopes(world: World) -> None:
    narrowed = _forged(world, scope="assess")  # the token's own scopes narrow, never widen
    status, problem = _get(world, "/api/v1/cases", narrowed)
    assert status == 403 and problem["type"].endswith("insufficient_scope"), problem


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "http://127.0.0.1:9/another-issuer"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"aud": "someone-else"},
        {"nbf": int(time.time()) + 3600},
        {"exp": None},
        {"client_id": "unknown-client"},
    ],
    ids=["other-issuer", "expired", "wrong-audience", "not-yet-valid", "no-expiry", "unmapped"],
)
def test_a_token_not_for_this_api_is_refused(world: World, changes: dict[str, Any]) -> None:
    token = _forged(world, **changes)
    assert _get(world, "/api/v1/cases", token)[0] == 401
    assert _get(world, "/fhir/r4/Task", token)[0] == 401
    # the same forging with nothing changed is accepted: the refusals are the changes'
    assert _get(world, "/api/v1/cases", _forged(world))[0] == 200


def test_a_token_of_another_key_or_with_no_signature_is_refused(world: World) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _get(world, "/api/v1/cases", _forged(world, key=other))[0] == 401  # type: ignore[arg-type]
    now = int(time.time())
    claims = {"iss": f"{world.provider}/o", "aud": API_AUDIENCE, "exp": now + 300}
    unsigned = jwt.encode({**claims, "client_id": "claims-system"}, None, algorithm="none")
    assert _get(world, "/api/v1/cases", unsigned)[0] == 401
    symmetric = jwt.encode({**claims, "client_id": "claims-system"}, "x" * 32, algorithm="HS256")
    assert _get(world, "/api/v1/cases", symmetric)[0] == 401
