"""The report pages of the desk: who may see them, what each supervisor's figures cover, the
links behind the figures, and a constant number of queries whatever the data."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appealdesk.cases import services as sv
from tests.conftest import ump
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db

PAGES = [
    "/desk/reports/?from=2026-01-01&to=2026-06-30",
    "/desk/reports/?from=2026-01-01&to=2026-06-30&by=month_due",
    "/desk/reports/?basis=due&from=2026-03-01&to=2026-06-30&by=handler",
    "/desk/reports/volumes/?from=2026-01-01&to=2026-06-30",
    "/desk/reports/volumes/?from=2026-01-01&to=2026-06-30&period=week",
    "/desk/reports/aging/",
    "/desk/reports/public/?from=2026-01-01&to=2026-06-30",
    "/desk/reports/universe/",
    "/desk/reports/cases/?program=ump&clock=decision&status=missed",
    "/desk/reports/cases/?program=ump&kind=appeal&level=1&outcome=decided",
    "/desk/reports/cases/?program=ump&expedited=false&year=2026&figure=approved_after_appeal",
]


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_supervisors_and_administrators_see_the_reports(client, world, url):
    for who in ("sam", "root"):
        response = signed_in(client, world.people[who]).get(url)
        assert response.status_code == 200, (who, url)
        assert b'aria-current="page">Reports</a>' in response.content


@pytest.mark.parametrize(
    "url", [*PAGES, "/desk/reports/timeliness.csv", "/desk/reports/universe.csv"]
)
def test_others_are_refused(client, world, url):
    for who in ("bob", "rita"):
        response = signed_in(client, world.people[who]).get(url)
        assert response.status_code == 403, (who, url)


def test_the_menu_offers_reports_to_supervisors_only(client, world):
    assert b">Reports</a>" in signed_in(client, world.people["sam"]).get("/desk/").content
    assert b">Reports</a>" not in signed_in(client, world.people["bob"]).get("/desk/").content


def test_each_supervisor_counts_the_cases_they_may_see(client, world):
    """sam supervises UMP, gina Genex: the same page gives each their program only."""
    url = "/desk/reports/?from=2026-01-01&to=2026-06-30"
    sam = signed_in(client, world.people["sam"]).get(url)
    assert {i["row"].program for i in sam.context["rows"]} == {"ump"}
    gina = signed_in(client, world.people["gina"]).get(url)
    assert {i["row"].program for i in gina.context["rows"]} == {"genex-ur"}
    # a UMP case number behind a figure is not offered to gina
    page = signed_in(client, world.people["gina"]).get(
        "/desk/reports/cases/?program=ump&clock=decision&status=missed"
    )
    assert page.context["page"].count == 0


@pytest.mark.parametrize(
    ("url", "least"),
    [
        ("/desk/reports/?from=2026-01-01&to=2026-06-30&by=month_due", 10),
        ("/desk/reports/public/?from=2026-01-01&to=2026-06-30", 8),
    ],
)
def test_every_figure_links_to_as_many_cases(client, world, url, least):
    client = signed_in(client, world.people["root"])
    response = client.get(url)
    links = re.findall(
        rb'<a href="(/desk/reports/cases/\?[^"]+)" aria-label="(\d+) ', response.content
    )
    assert len(links) > least
    for href, count in links:
        page = client.get(href.decode().replace("&amp;", "&"))
        assert page.context["page"].count == int(count), href


def test_a_bad_filter_is_shown_in_words(client, world):
    response = signed_in(client, world.people["sam"]).get("/desk/reports/?from=2026-02-30")
    assert response.status_code == 400
    assert b"from: &#x27;2026-02-30&#x27; is not a date" in response.content


def test_the_default_range_is_this_month_and_the_two_before(client, world):
    response = signed_in(client, world.people["sam"]).get("/desk/reports/")
    f = response.context["f"]
    assert f.date_from.day == 1 and (f.date_to - f.date_from).days < 93


def queries(client, url: str) -> int:
    client.get(url)  # the first look reads the pack snapshots once per process
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", PAGES)
def test_report_pages_cost_the_same_queries_whatever_the_data(client, world, url):
    client = signed_in(client, world.people["sam"])
    few = queries(client, url)
    for day in range(1, 21):  # twenty more cases over the months of the reports
        received = at(f"2026-0{1 + day % 5}-{day:02d}T10:00:00-08:00")
        sv.case_receive(
            request=ump(
                received_at=received.isoformat(), channel=["mail", "fax", "phone"][day % 3]
            ),
            actor=world.people["bob"],
            backdate_reason="test",
            now=received,
        )
    assert queries(client, url) == few


def test_the_cases_behind_a_figure_are_one_logged_read(client, world):
    """A drill-down page lists case numbers and kinds: one access-log row names them all."""
    from appealdesk.access.models import AccessLog
    from appealdesk.cases.models import Case

    url = "/desk/reports/cases/?program=ump&kind=appeal&level=1&outcome=decided"
    page = signed_in(client, world.people["sam"]).get(url).content.decode()
    row = AccessLog.objects.get(what="report cases")
    shown = set(Case.objects.filter(pk__in=row.case_ids).values_list("number", flat=True))
    assert shown and all(number in page for number in shown)
    assert row.username == "sam"
