"""The single sign-on settings refuse what cannot work, naming the variable (no Django)."""

from __future__ import annotations

import json

import pytest

from appealdesk.accounts.sso import config

OIDC = {
    "APPEALDESK_OIDC_CLIENT_ID": "appealdesk",
    "APPEALDESK_OIDC_AUTHORIZATION_URL": "https://idp/authorize",
    "APPEALDESK_OIDC_TOKEN_URL": "https://idp/token",
    "APPEALDESK_OIDC_USERINFO_URL": "https://idp/userinfo",
    "APPEALDESK_OIDC_JWKS_URL": "https://idp/jwks",
    "APPEALDESK_OIDC_ISSUER": "https://idp",
}
TOKENS = {
    "APPEALDESK_API_TOKEN_ISSUER": "https://idp",
    "APPEALDESK_API_TOKEN_JWKS_URL": "https://idp/jwks",
    "APPEALDESK_API_TOKEN_AUDIENCE": "api://appealdesk",
}


def test_nothing_is_on_by_default() -> None:
    assert config.oidc({}) == {} and config.saml({}, "http://x") == {}
    assert config.api_tokens({}) == {}


def test_oidc_uses_pkce_and_names_a_missing_endpoint() -> None:
    found = config.oidc(OIDC)
    assert found["OIDC_USE_PKCE"] and found["OIDC_PKCE_CODE_CHALLENGE_METHOD"] == "S256"
    assert found["OIDC_MFA_AMR"] == ["mfa", "otp", "hwk", "sms"]
    with pytest.raises(config.ConfigError, match="APPEALDESK_OIDC_JWKS_URL"):
        config.oidc({k: v for k, v in OIDC.items() if k != "APPEALDESK_OIDC_JWKS_URL"})


@pytest.mark.parametrize("algorithms", ["none", "HS256", "RS256,none", ""])
def test_only_public_key_algorithms_are_accepted(algorithms: str) -> None:
    env = {**TOKENS, "APPEALDESK_API_TOKEN_ALGORITHMS": algorithms}
    if algorithms == "":
        assert config.api_tokens(env)["algorithms"] == ["RS256", "ES256"]  # the default
        return
    with pytest.raises(config.ConfigError, match="APPEALDESK_API_TOKEN_ALGORITHMS"):
        config.api_tokens(env)
    with pytest.raises(config.ConfigError, match="APPEALDESK_OIDC_SIGN_ALGORITHM"):
        config.oidc({**OIDC, "APPEALDESK_OIDC_SIGN_ALGORITHM": algorithms})


def test_the_mapping_refuses_an_unknown_role() -> None:
    good = {"groups": "roles", "roles": {"g": ["analyst"]}, "teams": {"g": "UMP"}}
    found = config.mapping({"APPEALDESK_SSO_MAPPING": json.dumps(good)})
    assert found == {"groups": ["roles"], "roles": {"g": ["analyst"]}, "teams": {"g": ["UMP"]}}
    bad = {"roles": {"g": ["analyst", "superhero"]}}
    with pytest.raises(config.ConfigError, match="superhero"):
        config.mapping({"APPEALDESK_SSO_MAPPING": json.dumps(bad)})
    with pytest.raises(config.ConfigError, match="not valid JSON"):
        config.mapping({"APPEALDESK_SSO_MAPPING": "{roles:"})


def test_api_token_clients_must_name_a_user() -> None:
    env = {**TOKENS, "APPEALDESK_API_TOKEN_CLIENTS": json.dumps({"c": {"scopes": []}})}
    with pytest.raises(config.ConfigError, match="APPEALDESK_API_TOKEN_CLIENTS"):
        config.api_tokens(env)


def test_saml_needs_xmlsec1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config.shutil, "which", lambda name: None)
    with pytest.raises(config.ConfigError, match="xmlsec1"):
        config.saml({"APPEALDESK_SAML_IDP_METADATA": "/etc/idp.xml"}, "https://desk")
    env = {"APPEALDESK_SAML_IDP_METADATA": "/etc/idp.xml", "APPEALDESK_SAML_XMLSEC": "/bin/x"}
    found = config.saml(env, "https://desk")["SAML_CONFIG"]
    assert found["metadata"] == {"local": ["/etc/idp.xml"]}
    assert found["service"]["sp"]["want_assertions_signed"] is True
    assert found["entityid"] == "https://desk/saml2/metadata/"
