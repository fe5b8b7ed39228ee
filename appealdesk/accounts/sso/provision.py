"""One sign-in rule for OpenID Connect and SAML: the person's groups give their roles and teams
by APPEALDESK_SSO_MAPPING, the user is made at their first sign-in, and every sign-in (or its
refusal) is a `SignInEvent` written in the same transaction as the changes it made.

Roles are the desk's Django groups (`access.roles`); the administrator role is the superuser
flag. Teams are `cases.Team` rows by name, read through the app registry because accounts sits
below the case core (docs/layers.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from appealdesk.accounts.client_ip import client_address
from appealdesk.accounts.models import IdentityProviderDevice, SignInEvent, SsoIdentity
from appealdesk.accounts.sso.config import ROLE_NAMES

log = logging.getLogger("appealdesk.sso")
SESSION_KEY = "sso"  # {"protocol", "issuer", "checked_at", "mfa"} of a single sign-on session
ADMINISTRATOR = "administrator"


class Refused(Exception):
    """A sign-in the rules refuse; the message says why (shown to the person, logged)."""


@dataclass(frozen=True)
class Assertion:
    """What an identity provider said about the person at this sign-in."""

    protocol: str  # oidc | saml
    issuer: str
    subject: str
    username: str
    email: str
    first_name: str
    last_name: str
    groups: tuple[str, ...]
    mfa: bool


def groups_in(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The person's groups from every claim or attribute the mapping names (a string or a
    list each: OIDC claims are either, SAML attributes are lists)."""
    found: list[str] = []
    for name in settings.SSO_MAPPING["groups"]:
        value = claims.get(name)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Iterable):
            found.extend(str(v) for v in value)
    return tuple(dict.fromkeys(found))


def mapped(groups: Iterable[str]) -> tuple[set[str], set[str]]:
    """The roles and team names these groups give."""
    roles: set[str] = set()
    teams: set[str] = set()
    for group in groups:
        roles.update(settings.SSO_MAPPING["roles"].get(group, []))
        teams.update(settings.SSO_MAPPING["teams"].get(group, []))
    return roles & ROLE_NAMES, teams


def record(
    request: HttpRequest | None,
    method: str,
    outcome: str,
    *,
    user: Any = None,
    username: str = "",
    mfa: bool = False,
    detail: str = "",
) -> SignInEvent:
    """Write one sign-in event (and its log line: the security log carries the same facts)."""
    ip = client_address(request) if request is not None else ""
    name = username or (user.get_username() if user is not None else "")
    event = SignInEvent.objects.create(
        user=user,
        username=name[:150],
        method=method,
        outcome=outcome,
        provider_mfa=mfa,
        detail=detail[:300],
        ip=ip or None,
    )
    quiet = method != SignInEvent.BREAK_GLASS and outcome == SignInEvent.SIGNED_IN
    level = logging.INFO if quiet else logging.WARNING
    log.log(level, "%s sign-in %s: %s (%s)", method.replace("_", "-"), outcome, name, detail)
    return event


def sign_in(request: HttpRequest | None, said: Assertion) -> Any:
    """The user for this assertion, made or brought up to date, with `otp_device` set when the
    provider asserted a second factor (django-otp then marks the session verified at
    `login()`). None when refused: the refusal is recorded and logged."""
    try:
        with transaction.atomic():
            user = _provision(request, said)
    except Refused as why:
        record(request, said.protocol, SignInEvent.REFUSED, username=said.username, detail=str(why))
        return None
    if said.mfa:
        device, _ = IdentityProviderDevice.objects.get_or_create(
            user=user, name=f"identity provider ({said.protocol})", defaults={"confirmed": True}
        )
        user.otp_device = device
    # the session check (accounts.sso.middleware) reads this after login() kept the user
    user.sso_session = {
        "protocol": said.protocol,
        "issuer": said.issuer,
        "mfa": said.mfa,
        "checked_at": int(timezone.now().timestamp()),
    }
    return user


def _provision(request: HttpRequest | None, said: Assertion) -> Any:
    roles, teams = mapped(said.groups)
    if not roles:
        raise Refused(
            "your identity provider account has no appealdesk role "
            f"(groups: {', '.join(said.groups) or 'none'}); ask an administrator to add you"
        )
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=said.issuer, subject=said.subject)
        .first()
    )
    outcome = SignInEvent.SIGNED_IN
    if identity is None:
        users = get_user_model().objects
        if users.filter(username=said.username).exists():
            # never join an existing local account by its name: that would hand it to whoever
            # the identity provider calls by that name
            raise Refused(f"a local account is already named {said.username!r}")
        user = users.create_user(username=said.username, email=said.email)
        user.set_unusable_password()  # no password sign-in for a single sign-on account
        identity = SsoIdentity.objects.create(
            user=user, protocol=said.protocol, issuer=said.issuer, subject=said.subject
        )
        outcome = SignInEvent.CREATED
    user = identity.user
    if not user.is_active:
        raise Refused("this account is disabled in appealdesk")
    apply_roles(user, roles, teams, said)
    identity.last_sign_in_at = timezone.now()
    identity.save(update_fields=["last_sign_in_at"])
    record(request, said.protocol, outcome, user=user, mfa=said.mfa, detail=_describe(roles, teams))
    return user


def apply_roles(user: Any, roles: set[str], teams: set[str], said: Assertion) -> None:
    """Make the user's roles, teams and name those the identity provider gives now."""
    user.is_staff = True
    user.is_superuser = ADMINISTRATOR in roles
    user.email, user.first_name, user.last_name = said.email, said.first_name, said.last_name
    user.save()
    role_groups = [Group.objects.get_or_create(name=r)[0] for r in sorted(roles - {ADMINISTRATOR})]
    user.groups.remove(*user.groups.filter(name__in=ROLE_NAMES).exclude(name__in=roles))
    user.groups.add(*role_groups)
    team_model = apps.get_model("cases", "Team")
    profile_model = apps.get_model("cases", "StaffProfile")
    found = list(team_model.objects.filter(name__in=teams))
    unknown = teams - {t.name for t in found}
    if unknown:
        log.warning("APPEALDESK_SSO_MAPPING names teams that do not exist: %s", sorted(unknown))
    profile, _ = profile_model.objects.get_or_create(user=user)
    profile.teams.set(found)
    for cached in ("_desk_roles", "_desk_teams", "_desk_programs"):
        user.__dict__.pop(cached, None)


def _describe(roles: set[str], teams: set[str]) -> str:
    return f"roles {', '.join(sorted(roles))}; teams {', '.join(sorted(teams)) or 'none'}"


def refresh(user: Any, said: Assertion) -> bool:
    """Bring a signed-in user's roles and teams up to date from a re-check; False (nothing
    changed) when the provider gives them no role any more, and the session must end."""
    roles, teams = mapped(said.groups)
    if not roles:
        return False
    with transaction.atomic():
        apply_roles(user, roles, teams, said)
    return True
