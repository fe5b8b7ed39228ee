"""Staff desk benchmark (issue 5): server time of the desk's pages through Django's test client,
with ratios measured in the same run (never absolute targets in tests).

(a) worklist: the team queue's first page, a later page by its cursor, and the overdue filter;
    p50/p99 and queries per request; ratio of the page to the bare selector call it makes
    (the rendering overhead: roles, session, template);
(b) case page for a sample of cases (random, open, closed): p50/p99, queries per request, and
    the ratio to a floor of the same reads done by hand (raw SQL: the case row with its member,
    team and people, its clocks, its events);
(c) search page by case-number prefix, subscriber ID and member name.
Target (issue 5): p50 <= 50 ms for the worklist and the case page at 1,000,000 cases.

Run after bench/generate.py has loaded the database (DATABASE_URL, or SQLite in
APPEALDESK_DATA_DIR):
    .venv/bin/python bench/desk.py [--runs 200] [--cases 100] [--only worklist,case,search]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
# the bench signs in with force_login: no second factor to confirm
os.environ["APPEALDESK_MFA"] = "optional"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from appealdesk.access import roles  # noqa: E402
from appealdesk.cases.models import Case, Party, StaffProfile, Team  # noqa: E402
from appealdesk.cases.selectors import worklist  # noqa: E402

settings.ALLOWED_HOSTS.append("testserver")
# a real installation serves collected static files; the bench has not run collectstatic
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

USERNAME = "bench-desk"
TARGET_MS = 50.0

# the floor of the case page: the same reads by hand, no ORM, no template
FLOOR_CASE = """
SELECT c.*, m.name, m.subscriber_id, t.name, u.username, r.username
FROM cases_case c
LEFT JOIN cases_party m ON m.id = c.member_id
LEFT JOIN cases_team t ON t.id = c.team_id
LEFT JOIN auth_user u ON u.id = c.owner_id
LEFT JOIN auth_user r ON r.id = c.reviewer_id
WHERE c.number = %s
"""
FLOOR_CLOCKS = "SELECT * FROM cases_clock WHERE case_id = %s AND state <> 'cancelled'"
FLOOR_EVENTS = "SELECT * FROM cases_event WHERE case_id = %s ORDER BY at, id"


def desk_user() -> Any:
    """A supervisor and analyst on every team of the generated data (idempotent)."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"is_staff": True, "email": "bench@example.org"}
    )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.set(
        [Group.objects.get_or_create(name=name)[0] for name in (roles.SUPERVISOR, roles.ANALYST)]
    )
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    teams = list(Team.objects.filter(name__startswith="bench "))
    if not teams:
        sys.exit("no generated teams: run bench/generate.py first")
    profile.teams.set(teams)
    Team.objects.filter(pk__in=[t.pk for t in teams], supervisor=None).update(supervisor=user)
    return user


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """p50 and p99 in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1000, p99 * 1000


def over_sample(fn: Callable[[Any], Any], sample: list[Any], rounds: int) -> tuple[float, float]:
    """p50 and p99 of fn over a sample of inputs (each input once per round, shuffled)."""
    for item in sample[:5]:
        fn(item)
    samples = []
    rng = random.Random(7)
    for _ in range(rounds):
        order = sample[:]
        rng.shuffle(order)
        for item in order:
            start = time.perf_counter()
            fn(item)
            samples.append(time.perf_counter() - start)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples) * 1000, p99 * 1000


def queries_of(fn: Callable[[], Any]) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries), [q["sql"] for q in captured.captured_queries]


def sql_ms(fn: Callable[[Any], Any], sample: list[Any]) -> float:
    """Mean time per call spent in the database driver (statements and their rows)."""
    spent = [0.0]

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - start

    with connection.execute_wrapper(wrapper):
        for item in sample:
            fn(item)
    return spent[0] / len(sample) * 1000


def get(client: Client, url: str, expect: int = 200) -> Any:
    response = client.get(url)
    if response.status_code != expect:
        sys.exit(f"GET {url}: {response.status_code}, expected {expect}")
    return response


def line(name: str, p50: float, p99: float, queries: int | str, target: bool = False) -> None:
    verdict = ""
    if target:
        verdict = "  (target p50 <= 50 ms: " + ("met" if p50 <= TARGET_MS else "NOT MET") + ")"
    print(f"    {name:<34} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  {queries} queries{verdict}")


def bench_worklist(client: Client, user: Any, runs: int) -> None:
    team_ids = roles.team_ids(user)
    open_cases = Case.objects.filter(is_open=True, team_id__in=team_ids).count()
    print(f"(a) worklist: {len(team_ids)} teams, {open_cases:,} open cases in the team queue")
    # a later page: follow the cursor up to ten pages deep
    cursor, depth = None, 0
    for _ in range(10):
        page = worklist(teams=team_ids, cursor=cursor)
        if page.next_cursor is None:
            break
        cursor, depth = page.next_cursor, depth + 1
    assert cursor is not None, "the team queue has one page only"
    pages = {
        "first page (?tab=team)": "/desk/?tab=team",
        f"page {depth + 1} (cursor)": f"/desk/?tab=team&cursor={cursor}",
        "overdue filter (overdue=1)": "/desk/?tab=team&overdue=1",
    }
    for name, url in pages.items():
        get(client, url)
        n, _ = queries_of(lambda url=url: get(client, url))
        p50, p99 = timed(lambda url=url: get(client, url), runs)
        line(name, p50, p99, n, target=True)

    def bare() -> None:
        items = worklist(teams=team_ids).items
        assert len(items) == 50

    page_p50, _ = timed(lambda: get(client, "/desk/?tab=team"), runs)
    bare_p50, _ = timed(bare, runs)
    in_sql = sql_ms(lambda url: get(client, url), ["/desk/?tab=team"] * 20)
    print(
        f"    ratio first page / bare selector call: {page_p50:.2f} / {bare_p50:.2f} ms = "
        f"{page_p50 / bare_p50:.1f}x (rendering overhead {page_p50 - bare_p50:.2f} ms; "
        f"all the page's statements {in_sql:.2f} ms)"
    )
    _, sqls = queries_of(lambda: get(client, "/desk/?tab=team"))
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    worklist_sql = next(s for s in sqls if "ORDER BY k.lane, c.next_due_at" in s)
    with connection.cursor() as cursor_:
        cursor_.execute(explain + worklist_sql)
        plan = "\n".join("      " + " ".join(str(x) for x in row) for row in cursor_.fetchall())
    print(f"    plan ({connection.vendor}):\n{plan}")


def case_sample(n: int) -> dict[str, list[str]]:
    rng = random.Random(3)
    top = Case.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = rng.sample(range(1, top + 1), min(n, top))
    randoms = list(Case.objects.filter(id__in=ids).values_list("number", flat=True))
    # open cases are the recent tenth: few enough to list (the partial worklist index)
    opened = list(Case.objects.filter(is_open=True).values_list("number", flat=True))
    opened = rng.sample(opened, min(n, len(opened)))
    closed = list(
        Case.objects.filter(id__in=ids, is_open=False).values_list("number", flat=True)[:n]
    )
    return {"random": randoms, "open": opened, "closed": closed}


def case_floor(number: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_CASE, [number])
        row = cursor.fetchone()
        case_id = row[0]
        cursor.execute(FLOOR_CLOCKS, [case_id])
        cursor.fetchall()
        cursor.execute(FLOOR_EVENTS, [case_id])
        cursor.fetchall()


def bench_case_page(client: Client, n: int, rounds: int) -> None:
    def page(number: str) -> None:
        get(client, f"/desk/cases/{number}/")

    samples = case_sample(n)
    print(f"(b) case page, {n} cases per sample, each viewed {rounds} times")
    counts: dict[str, set[int]] = {}
    for name, numbers in samples.items():
        found = set()
        for number in numbers:
            url = f"/desk/cases/{number}/"
            get(client, url)  # the first look at a pack version reads it once per process
            found.add(queries_of(lambda url=url: get(client, url))[0])
        counts[name] = found
        p50, p99 = over_sample(page, numbers, rounds)
        shown = "/".join(str(c) for c in sorted(found))
        line(f"{name} cases", p50, p99, shown, target=True)
    every = set().union(*counts.values())
    print(f"    queries per case page: {sorted(every)} (constant: {len(every) == 1})")
    numbers = samples["random"]
    page_p50, _ = over_sample(page, numbers, rounds)
    floor_p50, _ = over_sample(case_floor, numbers, rounds)
    in_sql = sql_ms(page, numbers)
    print(
        f"    ratio case page / the same reads by hand (case, clocks, events): "
        f"{page_p50:.2f} / {floor_p50:.2f} ms = {page_p50 / floor_p50:.1f}x "
        f"(all the page's statements {in_sql:.2f} ms; the rest is Python: ORM, forms, template)"
    )
    # issue 22's target: the page within ten times all its SQL
    ratio = page_p50 / in_sql if in_sql else float("inf")
    verdict = "met" if ratio <= 10 else "NOT MET"
    print(f"    ratio case page / all its SQL: {ratio:.1f}x (target <= 10x: {verdict})")


def bench_search(client: Client, runs: int) -> None:
    member = Party.objects.filter(name__startswith="Bench member").order_by("id")[1234:1235].get()
    case = Case.objects.filter(member=member).order_by("id").first()
    assert case is not None
    prefix = case.number[: len(case.number) - 2]
    print("(c) search page")
    searches = {
        f"number prefix ({prefix})": (f"/desk/search/?q={prefix}", 200),
        f"exact number ({case.number})": (f"/desk/search/?q={case.number}", 302),
        f"subscriber ID ({member.subscriber_id})": (f"/desk/search/?q={member.subscriber_id}", 200),
        f"member name ({member.name})": (f"/desk/search/?q={member.name.replace(' ', '+')}", 200),
    }
    for name, (url, expect) in searches.items():
        get(client, url, expect)
        n, _ = queries_of(lambda url=url, expect=expect: get(client, url, expect))
        p50, p99 = timed(lambda url=url, expect=expect: get(client, url, expect), runs)
        line(name, p50, p99, n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200, help="requests per worklist page")
    parser.add_argument("--cases", type=int, default=100, help="cases per case-page sample")
    parser.add_argument("--rounds", type=int, default=3, help="views of each sampled case")
    parser.add_argument("--search-runs", type=int, default=20)
    parser.add_argument("--only", default="worklist,case,search", help="sections to run")
    args = parser.parse_args()
    only = set(args.only.split(","))
    user = desk_user()
    client = Client()
    client.force_login(user)
    total = Case.objects.count()
    print(f"desk pages at {total:,} cases ({connection.vendor}), signed in as {USERNAME}")
    if "worklist" in only:
        bench_worklist(client, user, args.runs)
    if "case" in only:
        bench_case_page(client, args.cases, args.rounds)
    if "search" in only:
        bench_search(client, args.search_runs)


if __name__ == "__main__":
    main()
