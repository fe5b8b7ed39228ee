"""Who may see and do what on the desk (SPEC 1 roles, SPEC 8 object-level permissions).

Roles are Django groups. Visibility is per case:
* an administrator (superuser) sees every case;
* a supervisor sees every case of the programs of their teams (and of teams they supervise);
* intake and analysts see the cases of their teams;
* everyone sees the cases they own or were assigned to review — and a reviewer without
  another role sees only those.
A case the user may not see answers 404 (never 403, which would confirm that it exists).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from appealdesk.access.tables import case_table

INTAKE = "intake"
ANALYST = "analyst"
ADMINISTRATIVE_REVIEWER = "administrative_reviewer"
CLINICAL_REVIEWER = "clinical_reviewer"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"
# the privacy officer: reads the access log (who looked at a member, the weekly unusual-access
# report), not cases (issue 24 item 4)
PRIVACY = "privacy"
ROLES = {
    INTAKE: "intake coordinator",
    ANALYST: "A&G analyst",
    ADMINISTRATIVE_REVIEWER: "administrative reviewer",
    CLINICAL_REVIEWER: "clinical reviewer",
    SUPERVISOR: "supervisor",
    ADMINISTRATOR: "administrator",
    PRIVACY: "privacy officer",
}
TEAM_ROLES = {INTAKE, ANALYST, SUPERVISOR}
REVIEWERS = {ADMINISTRATIVE_REVIEWER, CLINICAL_REVIEWER}

# The case actions of the desk and the roles that may take them (an administrator may take all).
ACTIONS: dict[str, frozenset[str]] = {
    "receive": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    "request_information": frozenset({ANALYST, SUPERVISOR}),
    "receive_information": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    "extend": frozenset({ANALYST, SUPERVISOR}),
    "pause": frozenset({ANALYST, SUPERVISOR}),
    "resume": frozenset({ANALYST, SUPERVISOR}),
    "assign": frozenset({ANALYST, SUPERVISOR}),
    "decide": frozenset({ADMINISTRATIVE_REVIEWER, CLINICAL_REVIEWER, SUPERVISOR}),
    "record_notice": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    "milestone": frozenset({ANALYST, SUPERVISOR}),
    "reclassify": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    "dismiss": frozenset({ANALYST, SUPERVISOR}),
    "close": frozenset({ANALYST, SUPERVISOR}),
    "reopen": frozenset({ANALYST, SUPERVISOR}),
    "escalate": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    "upload": frozenset({INTAKE, ANALYST, SUPERVISOR, ADMINISTRATIVE_REVIEWER, CLINICAL_REVIEWER}),
    # generate, e-mail and record as mailed the letters of a case
    "letters": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    # the portal's requests: consent to more time asked online, the case file copy sent
    "ask_consent": frozenset({ANALYST, SUPERVISOR}),
    "case_file_sent": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    "bulk_assign": frozenset({SUPERVISOR}),
    # staff's internal notes; the reviewer sends a case back to its analyst
    "note": frozenset({INTAKE, ANALYST, SUPERVISOR, ADMINISTRATIVE_REVIEWER, CLINICAL_REVIEWER}),
    "return_to_analyst": frozenset({ADMINISTRATIVE_REVIEWER, CLINICAL_REVIEWER, SUPERVISOR}),
    # the mailroom: read what arrived by fax, mail and e-mail and turn it into cases
    "mailroom": frozenset({INTAKE, ANALYST, SUPERVISOR}),
    # e-mail kept in the outbox while no mail server is configured (letters to members)
    "outbox": frozenset({SUPERVISOR}),
    # the letters whose e-mail failed, and those waiting to be printed (issue 18, item 5)
    "letter_queue": frozenset({SUPERVISOR}),
    "administer": frozenset({ADMINISTRATOR}),
    # the accounting of access to a member and the unusual-access report (docs/audit.md)
    "privacy": frozenset({PRIVACY}),
}


def roles_of(user: Any) -> frozenset[str]:
    """The user's desk roles, read once per request."""
    cached = getattr(user, "_desk_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        if user.is_superuser:
            names.add(ADMINISTRATOR)
        cached = frozenset(names & set(ROLES))
        user._desk_roles = cached
    return cached


def may(user: Any, action: str) -> bool:
    roles = roles_of(user)
    return ADMINISTRATOR in roles or bool(roles & ACTIONS[action])


def team_ids(user: Any) -> list[int]:
    """The teams whose queues the user works: their own, and for a supervisor every team of
    the programs of their teams."""
    cached = getattr(user, "_desk_teams", None)
    if cached is not None:
        return list(cached)
    roles = roles_of(user)
    if ADMINISTRATOR in roles:
        ids = list(case_table("Team").objects.values_list("id", flat=True))
    else:
        own = case_table("Team").objects.filter(Q(members__user=user) | Q(supervisor=user))
        if SUPERVISOR in roles:
            programs = own.values("program")
            ids = list(
                case_table("Team").objects.filter(program__in=programs).values_list("id", flat=True)
            )
        elif roles & TEAM_ROLES:
            ids = list(own.values_list("id", flat=True).distinct())
        else:
            ids = []
    user._desk_teams = ids
    return list(ids)


def program_names(user: Any) -> list[str]:
    """The programs of the teams whose queues the user works (`team_ids`), read once per
    request."""
    cached = getattr(user, "_desk_programs", None)
    if cached is None:
        teams = case_table("Team").objects.filter(id__in=team_ids(user))
        cached = sorted(set(teams.values_list("program", flat=True)))
        user._desk_programs = cached
    return list(cached)


def visible(user: Any) -> Q | None:
    """The filter of the cases the user may see; None means every case."""
    roles = roles_of(user)
    if ADMINISTRATOR in roles:
        return None
    mine = Q(owner=user) | Q(reviewer=user)
    if SUPERVISOR in roles:
        return mine | Q(program__in=program_names(user))
    teams = team_ids(user)
    return mine | Q(team_id__in=teams) if teams else mine


def visible_cases(user: Any) -> Any:
    q = visible(user)
    return case_table("Case").objects.all() if q is None else case_table("Case").objects.filter(q)


def visible_members(user: Any) -> Any:
    """The member records the user may read (name, subscriber ID, contact details): those of
    the cases they may see, and members with no case yet (new at intake) — never the members
    of other teams' cases. The same rule as `visible`, for people."""
    members = case_table("Party").objects.filter(role="member")
    if visible(user) is None:
        return members
    seen = visible_cases(user).values("member_id")
    return members.filter(Q(pk__in=seen) | Q(member_cases=None)).distinct()


def visible_members_among(user: Any, members: Any, limit: int = 10) -> list[Any]:
    """`visible_members` for a few members found first by an index (e.g. by subscriber id):
    the same rule, as two indexed look-ups on the cases of just those members instead of a
    join over every case (tens of milliseconds at a few thousand cases a member)."""
    found = list(members.filter(role="member")[:limit])
    if visible(user) is None or not found:
        return found
    ids = [m.pk for m in found]
    cases = case_table("Case").objects.filter(member_id__in=ids)
    with_cases = set(cases.values_list("member_id", flat=True).distinct())
    seen = set(
        visible_cases(user).filter(member_id__in=ids).values_list("member_id", flat=True).distinct()
    )
    return [m for m in found if m.pk not in with_cases or m.pk in seen]


def can_see(user: Any, case: Any) -> bool:
    """The same rule as `visible`, for one case (one rule, so the two never drift apart)."""
    if ADMINISTRATOR in roles_of(user) or user.pk in (case.owner_id, case.reviewer_id):
        return True
    return visible_cases(user).filter(pk=case.pk).exists()


def may_decide(user: Any, case: Any) -> bool:
    """A decision is the assigned reviewer's (SPEC 5.4); with none assigned, a reviewer's whose
    independence the service checks; a supervisor may record the reviewer's decision."""
    mine = roles_of(user)
    if mine & {SUPERVISOR, ADMINISTRATOR}:
        return True
    return bool(mine & REVIEWERS) and case.reviewer_id in (None, user.pk)


def as_int(value: Any) -> int | None:
    """A posted id, or None: never an exception for '²' or a number too big for the database."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None
