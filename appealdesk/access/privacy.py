"""For the privacy officer (issue 24 item 4; docs/audit.md): an accounting of access to a member —
every look at their details or their cases, by whom, when, on what page, allowed or refused —
across the months still in the database and the months pruned to archives; and the weekly
report of unusual access, kept a row a week and e-mailed to the privacy officers.

The report's three signs: a user who read far more members than the peers of their role (more
than `PEER_FACTOR` times the role's median, and at least `PEER_FLOOR` members); a supervisor who
read cases of programs none of their teams works (every case of their own programs is theirs to
see, SPEC 8); a user who read a member bearing a family name configured for that user
(`AUDIT_FAMILY_NAMES`: staff reading their relatives' records)."""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

from appealdesk.access import archive, partitions, roles
from appealdesk.access.log import looks_at_member_and_cases
from appealdesk.access.models import AccessArchive, AccessLog, AccessReview
from appealdesk.access.tables import case_table

log = logging.getLogger("appealdesk.access")
PEER_FACTOR = 3  # "far more than their peers": over three times the role's median
PEER_FLOOR = 20  # members in a week below which no volume is unusual (a small office)
CSV_HEADER = ["at", "user", "allowed", "what", "cases", "page", "ip", "source"]


@dataclass
class Look:
    """One look at a member or their cases, from the database or an archive."""

    at: dt.datetime
    username: str
    allowed: bool
    what: str
    cases: list[str]  # the member's case numbers this look showed
    path: str
    ip: str
    source: str  # "database", or the archived month "2019-03"

    def csv_row(self) -> list[str]:
        return [
            self.at.isoformat(),
            self.username,
            "allowed" if self.allowed else "refused",
            self.what,
            " ".join(self.cases),
            self.path,
            self.ip,
            self.source,
        ]


def member_looks(member_id: int) -> Iterator[Look]:
    """Every look at the member, newest first: the database's months a year at a time, then the
    archived (pruned) months' files, newest first — the archives are read whole, a month at a
    time. A year at a time: on PostgreSQL each read plans and sorts 12 partitions, not all of
    them, and the page's newest 500 are mostly in the first year."""
    numbers = dict(
        case_table("Case").objects.filter(member_id=member_id).values_list("id", "number")
    )
    looks = looks_at_member_and_cases(member_id, list(numbers))
    fields = ["at", "username", "allowed", "what", "case_id", "case_ids", "path", "ip"]
    for since, until in _years_back():
        rows = looks.filter(at__gte=since) if since else looks
        rows = rows.filter(at__lt=until) if until else rows
        for row in rows.order_by("-at", "-id").values(*fields).iterator(chunk_size=2000):
            yield _look(row, numbers, "database")
    pruned = AccessArchive.objects.exclude(pruned_at=None).order_by("-month")
    for kept in pruned:
        found = [
            row
            for row in archive.archived_rows(kept)
            if member_id in row["member_ids"]
            or row["case_id"] in numbers
            or any(c in numbers for c in row["case_ids"])
        ]
        for row in found:
            row["at"] = archive.row_at(row["at"])
        for row in sorted(found, key=lambda r: (r["at"], r["id"]), reverse=True):
            yield _look(row, numbers, f"{kept.month:%Y-%m}")


def _years_back() -> Iterator[tuple[dt.datetime | None, dt.datetime | None]]:
    """Windows of twelve months (UTC), newest first — the first open to the future, the last
    open to the past — down to the oldest row in the database."""
    oldest = _oldest()
    if oldest is None:
        return
    since = partitions.month_after(partitions.month_start(dt.datetime.now(dt.UTC)), -11)
    until: dt.date | None = None
    while True:
        last = since <= oldest
        yield (None if last else _instant(since), _instant(until) if until else None)
        if last:
            return
        since, until = partitions.month_after(since, -12), since


def _instant(month: dt.date) -> dt.datetime:
    return partitions.month_range(month)[0]


def _oldest() -> dt.date | None:
    """The oldest month the database may hold rows of: on PostgreSQL the oldest partition's (or
    an older row caught by DEFAULT), without reading the table; on SQLite by the index on `at`."""
    if partitions.is_partitioned():
        months = list(partitions.partitions())
        caught = partitions.default_oldest()
        found = months + ([partitions.month_start(caught)] if caught else [])
        return min(found) if found else None
    first = AccessLog.objects.order_by("at").values_list("at", flat=True).first()
    return partitions.month_start(first.astimezone(dt.UTC)) if first else None


def _look(row: dict[str, Any], numbers: dict[int, str], source: str) -> Look:
    shown = [row["case_id"], *row["case_ids"]]
    return Look(
        at=row["at"],
        username=row["username"],
        allowed=row["allowed"],
        what=row["what"],
        cases=sorted({numbers[c] for c in shown if c in numbers}),
        path=row["path"],
        ip=row["ip"] or "",
        source=source,
    )


# -- the weekly report of unusual access ---------------------------------------------------------
def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def unusual_access(week: dt.date) -> list[dict[str, Any]]:
    """What the week's access log shows that a privacy officer should look at (the module's
    three signs), largest first within each sign."""
    start = dt.datetime.combine(week, dt.time(), tzinfo=dt.UTC)
    rows = AccessLog.objects.filter(at__gte=start, at__lt=start + dt.timedelta(days=7))
    members: dict[int, set[int]] = defaultdict(set)
    cases: dict[int, set[int]] = defaultdict(set)
    looked = rows.exclude(user=None).values_list("user_id", "case_id", "case_ids", "member_ids")
    for user_id, case_id, case_ids, member_ids in looked.iterator(chunk_size=5000):
        members[user_id].update(member_ids)
        cases[user_id].update(case_ids)
        if case_id is not None:
            cases[user_id].add(case_id)
    facts = _case_facts(set().union(*cases.values()) if cases else set())
    for user_id, seen in cases.items():
        members[user_id].update(m for c in seen if c in facts and (m := facts[c][0]) is not None)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(members))}
    findings = _volume(users, members)
    findings += _outside_programs(users, cases, facts)
    findings += _family_names(users, members)
    return findings


def _case_facts(ids: set[int]) -> dict[int, tuple[int | None, str, str]]:
    """Each case's member, program and number, read in batches."""
    facts: dict[int, tuple[int | None, str, str]] = {}
    ordered = sorted(ids)
    for at in range(0, len(ordered), 5000):
        batch = case_table("Case").objects.filter(pk__in=ordered[at : at + 5000])
        for pk, member, program, number in batch.values_list(
            "pk", "member_id", "program", "number"
        ):
            facts[pk] = (member, program, number)
    return facts


def _role(user: Any) -> str:
    return ", ".join(sorted(roles.ROLES[r] for r in roles.roles_of(user))) or "no role"


def _volume(users: dict[int, Any], members: dict[int, set[int]]) -> list[dict[str, Any]]:
    by_role: dict[str, list[int]] = defaultdict(list)
    for pk, user in users.items():
        by_role[_role(user)].append(pk)
    found = []
    for role, peers in by_role.items():
        median = statistics.median(len(members[p]) for p in peers)
        for pk in peers:
            count = len(members[pk])
            if count >= PEER_FLOOR and count > PEER_FACTOR * median:
                found.append(
                    {
                        "sign": "volume",
                        "username": users[pk].get_username(),
                        "count": count,
                        "detail": f"read {count} members; the median of the {len(peers)} "
                        f"{role} users who read any is {median:g}",
                    }
                )
    return sorted(found, key=lambda f: -f["count"])


def _outside_programs(
    users: dict[int, Any], cases: dict[int, set[int]], facts: dict[int, tuple[int | None, str, str]]
) -> list[dict[str, Any]]:
    found = []
    for pk, user in users.items():
        mine = roles.roles_of(user)
        if roles.SUPERVISOR not in mine or roles.ADMINISTRATOR in mine:
            continue
        own = set(roles.program_names(user))
        outside = sorted(facts[c][2] for c in cases[pk] if c in facts and facts[c][1] not in own)
        if outside:
            found.append(
                {
                    "sign": "outside_programs",
                    "username": user.get_username(),
                    "count": len(outside),
                    "detail": f"read {len(outside)} cases of programs outside their teams' "
                    f"({', '.join(sorted(own)) or 'none'}): {', '.join(outside[:20])}",
                }
            )
    return sorted(found, key=lambda f: -f["count"])


def _family_names(users: dict[int, Any], members: dict[int, set[int]]) -> list[dict[str, Any]]:
    watched = settings.AUDIT_FAMILY_NAMES
    found = []
    for pk, user in users.items():
        names = {n.casefold() for n in watched.get(user.get_username(), [])}
        if not names or not members[pk]:
            continue
        parties = case_table("Party").objects.filter(pk__in=members[pk]).values_list("pk", "name")
        hits = sorted(name for _, name in parties if _family(name) & names)
        if hits:
            found.append(
                {
                    "sign": "family_name",
                    "username": user.get_username(),
                    "count": len(hits),
                    "detail": f"read {len(hits)} members bearing a family name configured for "
                    f"them: {', '.join(hits[:20])}",
                }
            )
    return found


def _family(name: str) -> set[str]:
    """The words of a name (a family name may come first or last, or be double)."""
    return {word.strip(",.").casefold() for word in name.split() if word.strip(",.")}


def privacy_officers() -> Iterable[Any]:
    return get_user_model().objects.filter(groups__name=roles.PRIVACY, is_active=True)


def review_run(now: dt.datetime | None = None) -> AccessReview | None:
    """The report of the last whole week, once: the unique week makes a second worker's round
    a no-op; the e-mail to the privacy officers goes in the same transaction, so a failed send
    leaves no report and the next round tries again. None when it exists already."""
    now = now or dt.datetime.now(dt.UTC)
    week = week_start(now.date()) - dt.timedelta(days=7)
    if AccessReview.objects.filter(week=week).exists():
        return None
    findings = unusual_access(week)
    with transaction.atomic():
        review, made = AccessReview.objects.get_or_create(
            week=week, defaults={"findings": findings, "created_at": now}
        )
        if not made:
            return None
        told = [u.email for u in privacy_officers() if u.email]
        if told:
            send_mail(
                f"Appeals desk: unusual access, week of {week}",
                review_text(review),
                settings.DEFAULT_FROM_EMAIL,
                told,
            )
        review.notified = len(told)
        review.save(update_fields=["notified"])
    return review


def review_text(review: AccessReview) -> str:
    lines = [f"Unusual access in the week of {review.week} (UTC):", ""]
    lines += [f"- {f['username']}: {f['detail']}" for f in review.findings] or ["- nothing found"]
    lines += ["", f"{settings.SITE_URL}/desk/privacy/review/"]
    return "\n".join(lines) + "\n"


@task()
def access_upkeep() -> str:
    """The worker's hourly round: partitions ahead (PostgreSQL), and the weekly report."""
    created = partitions.partitions_ensure()
    review = review_run()
    if review is not None:
        log.info("unusual access, week of %s: %d findings", review.week, len(review.findings))
    return f"partitions {created}; review {review.week if review else 'exists'}"
