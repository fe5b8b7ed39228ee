"""SAML 2.0 sign-in through djangosaml2 on pysaml2 (xmlsec1 checks the signatures).

djangosaml2 sends the AuthnRequest and checks the answer (signature, audience, conditions, the
pending request it answers); this backend turns the assertion into the person, through
`provision` like OpenID Connect. The identity provider's AuthnContextClassRef is its statement
of how the person signed in: one listed in APPEALDESK_SAML_MFA_CONTEXTS stands for a second
factor.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from appealdesk.accounts.sso import provision


def _first(attributes: dict[str, list[str]], *names: str) -> str:
    for name in names:
        values = attributes.get(name) or []
        if values:
            return str(values[0])
    return ""


def assertion(session_info: dict[str, Any]) -> provision.Assertion:
    attributes: dict[str, list[str]] = session_info.get("ava") or {}
    name_id = session_info["name_id"]
    subject = str(getattr(name_id, "text", name_id) or "").strip()
    contexts = {str(info[0]) for info in session_info.get("authn_info") or [] if info}
    configured = settings.SSO_SAML
    username_attribute = configured["SAML_USERNAME_ATTRIBUTE"]
    username = (_first(attributes, username_attribute) if username_attribute else "") or subject
    return provision.Assertion(
        protocol="saml",
        issuer=str(session_info["issuer"]),
        subject=subject,
        username=username[:150],
        email=_first(attributes, "mail", "email", "emailAddress")[:254],
        first_name=_first(attributes, "givenName", "given_name")[:150],
        last_name=_first(attributes, "sn", "surname", "family_name")[:150],
        groups=provision.groups_in(attributes),
        mfa=bool(contexts & set(configured["SAML_MFA_CONTEXTS"])),
    )


class SamlBackend(ModelBackend):
    """Only djangosaml2's assertion consumer calls this (with `session_info`); a password
    sign-in passes it by, and a user it returns is loaded by id like any other."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        session_info: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        if not session_info or not session_info.get("name_id"):
            return None
        said = assertion(session_info)
        if not said.subject:
            return None
        return provision.sign_in(request, said)


def acs_failure(request: HttpRequest, exception: Exception | None = None, **kwargs: Any) -> Any:
    """djangosaml2's answer to an assertion it or `provision` refused: back to the desk's
    sign-in page, which says so (SAML_ACS_FAILURE_RESPONSE_FUNCTION)."""
    from django.shortcuts import redirect

    return redirect("/desk/login/?sso=refused")
