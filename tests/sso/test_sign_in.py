"""Issue 19, item 1, in Debian's Chromium: staff sign in through a real OpenID Connect provider
and a real SAML identity provider; the provider's multi-factor assertion stands in for the
local TOTP, its absence leaves the TOTP rule in force; a person without a mapped role is
refused; a person disabled (or removed) at the provider loses the open session at the next
check and cannot sign in again; a local administrator's password still works, recorded as
break-glass and shown to administrators on the desk, while other staff's passwords are
refused."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.helpers import sign_in, watch
from tests.sso.conftest import ADMIN_PASSWORD, CHECK_SECONDS, SAML_PEOPLE, World

OIDC_BUTTON, SAML_BUTTON = "Sign in with Test OIDC", "Sign in with Test SAML"


@pytest.fixture
def fresh(browser: Any, world: World) -> Iterator[Callable[[], Any]]:
    """fresh(): a page in a new browser context; any CSP violation, script or console error
    on appealdesk's pages fails the test (the providers' own pages are theirs)."""
    contexts: list[Any] = []
    problems: list[str] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        context.set_default_timeout(15_000)
        watch(context, problems)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    ours = [p for p in problems if world.base in p]
    assert not ours, "the browser reported:\n" + "\n".join(ours)


def _oidc(page: Any, world: World, username: str) -> None:
    page.goto(f"{world.base}/desk/login/")
    page.get_by_role("link", name=OIDC_BUTTON).click()
    page.wait_for_url(f"{world.provider}/accounts/login/**")
    page.fill("#provider-username", username)
    page.fill("#provider-password", world.provider_password)
    page.get_by_role("button", name="Sign in at the provider").click()


def _saml(page: Any, world: World, username: str) -> None:
    page.goto(f"{world.base}/desk/login/")
    page.get_by_role("link", name=SAML_BUTTON).click()
    page.wait_for_url(f"{world.idp}/sso/redirect**")
    page.fill("#idp-username", username)
    page.fill("#idp-password", SAML_PEOPLE[username]["password"])
    page.get_by_role("button", name="Sign in at the SAML provider").click()


def _events(world: World, username: str) -> list[tuple[str, str, int]]:
    return [
        (method, outcome, bool(mfa))
        for method, outcome, mfa in world.query(
            "SELECT method, outcome, provider_mfa FROM accounts_signinevent "
            "WHERE username = ? ORDER BY id",
            username,
        )
    ]


def _roles(world: World, username: str) -> tuple[set[str], set[str], bool]:
    groups = world.query(
        "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id "
        "JOIN auth_user u ON u.id = ug.user_id WHERE u.username = ?",
        username,
    )
    teams = world.query(
        "SELECT t.name FROM cases_team t JOIN cases_staffprofile_teams st ON st.team_id = t.id "
        "JOIN cases_staffprofile p ON p.id = st.staffprofile_id "
        "JOIN auth_user u ON u.id = p.user_id WHERE u.username = ?",
        username,
    )
    superuser = world.query("SELECT is_superuser FROM auth_user WHERE username = ?", username)
    return {g for (g,) in groups}, {t for (t,) in teams}, bool(superuser[0][0])


def test_oidc_with_the_providers_second_factor_asks_no_totp(world: World, fresh: Any) -> None:
    page = fresh()
    _oidc(page, world, "omar.oidc")  # no second factor at the provider: the local rule holds
    page.wait_for_url(f"{world.base}/desk/mfa/**")
    assert _events(world, "omar.oidc") == [("oidc", "created", False)]
    assert _roles(world, "omar.oidc") == ({"analyst"}, {"UMP medical (Regence)"}, False)

    page = fresh()
    _oidc(page, world, "oscar.oidc")  # `amr` has mfa: no code asked here
    page.wait_for_url(f"{world.base}/desk/")
    assert page.get_by_role("heading", name="Worklist").count() == 1
    assert _events(world, "oscar.oidc") == [("oidc", "created", True)]


def test_oidc_refuses_a_person_without_a_mapped_role(world: World, fresh: Any) -> None:
    page = fresh()
    _oidc(page, world, "nobody.oidc")
    page.wait_for_url(f"{world.base}/desk/login/?sso=refused")
    assert "did not sign you in" in page.get_by_role("alert").first.inner_text()
    assert _events(world, "nobody.oidc") == [("oidc", "refused", False)]
    assert not world.query("SELECT 1 FROM auth_user WHERE username = 'nobody.oidc'")


def test_oidc_person_disabled_at_the_provider_is_signed_out(world: World, fresh: Any) -> None:
    page = fresh()
    _oidc(page, world, "oscar.oidc")
    page.wait_for_url(f"{world.base}/desk/")
    world.provider_command("disable", "oscar.oidc")
    time.sleep(CHECK_SECONDS + 1)
    page.goto(f"{world.base}/desk/")
    page.wait_for_url(f"{world.base}/desk/login/**")
    assert _events(world, "oscar.oidc")[-1][:2] == ("oidc", "session_ended")
    # and cannot sign in again: the provider refuses the disabled account
    page.get_by_role("link", name=OIDC_BUTTON).click()
    page.wait_for_url(f"{world.provider}/accounts/login/**")
    page.fill("#provider-username", "oscar.oidc")
    page.fill("#provider-password", world.provider_password)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_load_state()
    assert page.url.startswith(world.provider)
    page.goto(f"{world.base}/desk/")
    page.wait_for_url(f"{world.base}/desk/login/**")


def test_oidc_person_removed_at_the_provider_is_signed_out(world: World, fresh: Any) -> None:
    page = fresh()
    _oidc(page, world, "rita.oidc")
    page.wait_for_url(f"{world.base}/desk/")
    page.goto(f"{world.base}/desk/")  # within the check interval: still signed in
    assert page.url == f"{world.base}/desk/"
    world.provider_command("remove", "rita.oidc")
    time.sleep(CHECK_SECONDS + 1)
    page.goto(f"{world.base}/desk/")
    page.wait_for_url(f"{world.base}/desk/login/**")
    assert _events(world, "rita.oidc")[-1][:2] == ("oidc", "session_ended")


def test_saml_sign_in_with_and_without_the_providers_second_factor(
    world: World, fresh: Any
) -> None:
    page = fresh()
    _saml(page, world, "sara.saml")
    page.wait_for_url(f"{world.base}/desk/")
    assert _events(world, "sara.saml") == [("saml", "created", True)]
    assert _roles(world, "sara.saml") == ({"analyst"}, {"UMP medical (Regence)"}, False)
    # at the check, SAML re-authenticates: silent while the provider still vouches
    time.sleep(CHECK_SECONDS + 1)
    page.goto(f"{world.base}/desk/")
    page.wait_for_url(f"{world.base}/desk/")
    assert [e[:2] for e in _events(world, "sara.saml")[-2:]] == [
        ("saml", "session_ended"),
        ("saml", "signed_in"),
    ]

    page = fresh()
    _saml(page, world, "sue.saml")  # a password-only AuthnContext: the local TOTP rule
    page.wait_for_url(f"{world.base}/desk/mfa/**")


def test_saml_person_disabled_at_the_provider_is_signed_out(world: World, fresh: Any) -> None:
    page = fresh()
    _saml(page, world, "sid.saml")
    page.wait_for_url(f"{world.base}/desk/")
    world.saml_disable("sid.saml")
    time.sleep(CHECK_SECONDS + 1)
    page.goto(f"{world.base}/desk/")
    page.wait_for_url(f"{world.idp}/sso/redirect**")  # sent to re-authenticate: refused
    assert page.get_by_role("heading", name="Account disabled").count() == 1
    page.goto(f"{world.base}/desk/")
    page.wait_for_url(f"{world.base}/desk/login/**")
    assert _events(world, "sid.saml")[-1][:2] == ("saml", "session_ended")


def test_break_glass_password_sign_in_is_recorded_and_shown(world: World, fresh: Any) -> None:
    page = fresh()
    sign_in(page, world.base, "bob", world.password)  # staff: single sign-on only
    assert "Staff sign in with Test OIDC or Test SAML" in page.get_by_role("alert").inner_text()
    assert _events(world, "bob") == [("password", "refused", False)]

    page = fresh()
    sign_in(page, world.base, "admin", ADMIN_PASSWORD)  # the local administrator
    page.wait_for_url(f"{world.base}/desk/mfa/**")  # and still the local second factor
    assert _events(world, "admin") == [("break_glass", "signed_in", False)]
    assert "break-glass sign-in" in world.log.read_text()

    page = fresh()
    _oidc(page, world, "olivia.oidc")  # an administrator by her provider group
    page.wait_for_url(f"{world.base}/desk/")
    page.goto(f"{world.base}/desk/admin/sign-ins/")
    table = page.get_by_role("region", name="Break-glass sign-ins")
    assert "admin" in table.inner_text()
