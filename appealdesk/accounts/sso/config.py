"""The single sign-on settings, read from the environment (docs/sso.md has every variable).

Imported by settings.py before Django is set up, so nothing here imports Django: each function
takes the environment and returns plain values, and refuses a configuration that cannot work
with a message naming the variable to fix.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from typing import Any

ROLE_NAMES = frozenset(
    {
        "intake",
        "analyst",
        "administrative_reviewer",
        "clinical_reviewer",
        "supervisor",
        "administrator",
    }
)
# RFC 8176 method references that stand for a second factor (or several): `mfa` itself, a
# one-time password, a hardware key, an SMS code.
DEFAULT_MFA_AMR = "mfa,otp,hwk,sms"
# Symmetric algorithms need the provider's secret to check, and `none` checks nothing: an
# access token or ID token is accepted only with a public-key signature.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class ConfigError(ValueError):
    """A single sign-on variable that cannot work; the message names it."""


def _list(env: Mapping[str, str], name: str, default: str = "") -> list[str]:
    """A comma-separated list; the default also when the variable is set but empty."""
    return [v.strip() for v in (env.get(name) or default).split(",") if v.strip()]


def _json(env: Mapping[str, str], name: str, default: Any) -> Any:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc}") from exc


def _algorithms(env: Mapping[str, str], name: str, default: str) -> list[str]:
    found = _list(env, name, default)
    wrong = [a for a in found if a not in ALLOWED_ALGORITHMS]
    if wrong or not found:
        raise ConfigError(
            f"{name} may list only public-key algorithms ({', '.join(sorted(ALLOWED_ALGORITHMS))});"
            f" got {', '.join(wrong) or 'nothing'}"
        )
    return found


def mapping(env: Mapping[str, str]) -> dict[str, Any]:
    """APPEALDESK_SSO_MAPPING: which claim or attribute names hold the person's groups, and
    which roles and teams each group gives. Checked here, so a typo in a role fails at start."""
    found = _json(env, "APPEALDESK_SSO_MAPPING", {})
    if not isinstance(found, dict):
        raise ConfigError("APPEALDESK_SSO_MAPPING must be a JSON object")
    groups = found.get("groups", ["groups"])
    groups = [groups] if isinstance(groups, str) else groups
    roles = found.get("roles", {})
    teams = found.get("teams", {})
    if not isinstance(roles, dict) or not isinstance(teams, dict):
        raise ConfigError('APPEALDESK_SSO_MAPPING: "roles" and "teams" map a group to a list')
    for group, names in roles.items():
        unknown = set(names if isinstance(names, list) else [names]) - ROLE_NAMES
        if unknown:
            raise ConfigError(
                f"APPEALDESK_SSO_MAPPING: group {group!r} names unknown roles "
                f"{sorted(unknown)} (roles: {', '.join(sorted(ROLE_NAMES))})"
            )
    return {
        "groups": [str(g) for g in groups],
        "roles": {str(k): _names(v) for k, v in roles.items()},
        "teams": {str(k): _names(v) for k, v in teams.items()},
    }


def _names(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def oidc(env: Mapping[str, str]) -> dict[str, Any]:
    """mozilla-django-oidc's settings, or {} when APPEALDESK_OIDC_CLIENT_ID is not set."""
    client = env.get("APPEALDESK_OIDC_CLIENT_ID", "").strip()
    if not client:
        return {}
    needed = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "APPEALDESK_OIDC_AUTHORIZATION_URL",
        "OIDC_OP_TOKEN_ENDPOINT": "APPEALDESK_OIDC_TOKEN_URL",
        "OIDC_OP_USER_ENDPOINT": "APPEALDESK_OIDC_USERINFO_URL",
        "OIDC_OP_JWKS_ENDPOINT": "APPEALDESK_OIDC_JWKS_URL",
        "OIDC_OP_ISSUER": "APPEALDESK_OIDC_ISSUER",
    }
    missing = [var for var in needed.values() if not env.get(var, "").strip()]
    if missing:
        raise ConfigError(f"APPEALDESK_OIDC_CLIENT_ID is set; set {', '.join(missing)} too")
    found: dict[str, Any] = {key: env[var].strip() for key, var in needed.items()}
    algorithms = _algorithms(env, "APPEALDESK_OIDC_SIGN_ALGORITHM", "RS256")
    if len(algorithms) != 1:
        raise ConfigError("APPEALDESK_OIDC_SIGN_ALGORITHM names one algorithm")
    found.update(
        OIDC_RP_CLIENT_ID=client,
        OIDC_RP_CLIENT_SECRET=env.get("APPEALDESK_OIDC_CLIENT_SECRET", ""),
        OIDC_RP_SIGN_ALGO=algorithms[0],
        OIDC_RP_SCOPES=env.get("APPEALDESK_OIDC_SCOPES", "openid email profile"),
        OIDC_USE_PKCE=True,
        OIDC_PKCE_CODE_CHALLENGE_METHOD="S256",
        # the access token is kept for the userinfo re-check (accounts.sso.recheck)
        OIDC_STORE_ACCESS_TOKEN=True,
        OIDC_STORE_ID_TOKEN=False,
        OIDC_CREATE_USER=True,
        OIDC_TIMEOUT=10,
        OIDC_AUTHENTICATION_CALLBACK_URL="oidc_authentication_callback",
        OIDC_NAME=env.get("APPEALDESK_OIDC_NAME", "your identity provider"),
        OIDC_MFA_AMR=_list(env, "APPEALDESK_OIDC_MFA_AMR", DEFAULT_MFA_AMR),
        OIDC_MFA_ACR=_list(env, "APPEALDESK_OIDC_MFA_ACR"),
    )
    return found


def saml(env: Mapping[str, str], site_url: str) -> dict[str, Any]:
    """djangosaml2's settings (SAML_CONFIG for pysaml2), or {} without
    APPEALDESK_SAML_IDP_METADATA."""
    metadata = env.get("APPEALDESK_SAML_IDP_METADATA", "").strip()
    if not metadata:
        return {}
    xmlsec = env.get("APPEALDESK_SAML_XMLSEC", "") or shutil.which("xmlsec1") or ""
    if not xmlsec:
        raise ConfigError(
            "APPEALDESK_SAML_IDP_METADATA is set but xmlsec1 is not installed "
            "(apt-get install xmlsec1, or name it in APPEALDESK_SAML_XMLSEC)"
        )
    entity = env.get("APPEALDESK_SAML_ENTITY_ID", f"{site_url}/saml2/metadata/")
    source = (
        {"remote": [{"url": metadata}]}
        if metadata.startswith(("https://", "http://"))
        else {"local": [metadata]}
    )
    sp: dict[str, Any] = {
        "name": "appealdesk",
        "endpoints": {
            "assertion_consumer_service": [
                (f"{site_url}/saml2/acs/", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
            ],
        },
        # the identity provider signs what it asserts; an unsigned answer is refused
        "want_response_signed": False,
        "want_assertions_signed": True,
        "want_assertions_or_response_signed": True,
        "allow_unsolicited": False,
        "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    }
    config: dict[str, Any] = {
        "xmlsec_binary": xmlsec,
        "entityid": entity,
        "metadata": source,
        "service": {"sp": sp},
        "allow_unknown_attributes": True,
        "debug": 0,
    }
    key, cert = env.get("APPEALDESK_SAML_KEY_FILE", ""), env.get("APPEALDESK_SAML_CERT_FILE", "")
    if bool(key) != bool(cert):
        raise ConfigError("APPEALDESK_SAML_KEY_FILE and APPEALDESK_SAML_CERT_FILE go together")
    if key:
        sp["authn_requests_signed"] = True
        pair = {"key_file": key, "cert_file": cert}
        config.update(pair, encryption_keypairs=[pair])
    return {
        "SAML_CONFIG": config,
        "SAML_NAME": env.get("APPEALDESK_SAML_NAME", "your identity provider (SAML)"),
        "SAML_MFA_CONTEXTS": _list(env, "APPEALDESK_SAML_MFA_CONTEXTS"),
        "SAML_USERNAME_ATTRIBUTE": env.get("APPEALDESK_SAML_USERNAME_ATTRIBUTE", ""),
    }


def api_tokens(env: Mapping[str, str]) -> dict[str, Any]:
    """The OAuth 2.0 access tokens the API accepts beside its keys, or {} without
    APPEALDESK_API_TOKEN_ISSUER."""
    issuer = env.get("APPEALDESK_API_TOKEN_ISSUER", "").strip()
    if not issuer:
        return {}
    jwks = env.get("APPEALDESK_API_TOKEN_JWKS_URL", "").strip()
    audience = env.get("APPEALDESK_API_TOKEN_AUDIENCE", "").strip()
    if not jwks or not audience:
        raise ConfigError(
            "APPEALDESK_API_TOKEN_ISSUER is set; set APPEALDESK_API_TOKEN_JWKS_URL and "
            "APPEALDESK_API_TOKEN_AUDIENCE too"
        )
    clients = _json(env, "APPEALDESK_API_TOKEN_CLIENTS", {})
    if not isinstance(clients, dict) or not all(
        isinstance(c, dict) and isinstance(c.get("user"), str) for c in clients.values()
    ):
        raise ConfigError(
            'APPEALDESK_API_TOKEN_CLIENTS maps a client id to {"user": ..., "scopes": [...]}'
        )
    return {
        "issuer": issuer,
        "jwks_url": jwks,
        "audience": audience,
        "algorithms": _algorithms(env, "APPEALDESK_API_TOKEN_ALGORITHMS", "RS256,ES256"),
        "clients": clients,
        "leeway": int(env.get("APPEALDESK_API_TOKEN_LEEWAY_SECONDS", 30)),
        "jwks_cache_seconds": int(env.get("APPEALDESK_API_TOKEN_JWKS_CACHE_SECONDS", 300)),
    }
