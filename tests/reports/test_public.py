"""The public metrics (docs/reports.md, "Public metrics"; CMS-0057-F): requests approved, denied,
approved after appeal, extended and approved, and the average and median days to decision,
per year of receipt, program and track. Every figure is computed here by hand from the story
of each request below, then checked against the report; the list behind each figure has as
many cases as the figure; the report is one statement whatever the number of cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Clock, Party
from appealdesk.reports import selectors
from appealdesk.reports.filters import ReportFilter
from appealdesk.reports.selectors import PUBLIC_FIGURES, Drill, PublicRow
from tests.cases.conftest import written_consent
from tests.conftest import genex, ump
from tests.reports.conftest import at, taken_in

pytestmark = pytest.mark.django_db
D = dt.timedelta(days=1)


@pytest.fixture
def requests(people) -> dict[str, Case]:
    """The stories, in words and days (local times, America/Los_Angeles):

    2025, UMP, standard appeals (first levels):
      P1 received Mon 3 Mar 10:00 PST, upheld Thu 13 Mar 10:00 PDT (the clocks changed on
         9 Mar: 10 days less an hour, 9.958333 days); its level 2 overturned it: approved
         after appeal
      P2 received 1 May 09:00, overturned 5 May 09:00: 4 days
      P3 received 2 Jun 09:00, its decision extended with the member's consent, partially
         overturned 8 Jun 21:00: 6.5 days, approved in part, extended and approved
      P4 received 1 Jul 09:00, upheld 15 Jul 09:00: 14 days; its level 2 upheld it too
      P5 received 1 Aug, withdrawn: closed without a decision
      P6 received 31 Dec 23:30 PST (1 Jan 2026 in UTC: a 2025 request), still open: pending
      (a complaint decided in 2025 is not a request and counts nowhere)
    2025, UMP, expedited appeals:
      E1 received 1 Sep 08:00, overturned 20:00: 0.5 days
      E2 received 10 Sep 08:00, upheld 11 Sep 08:00: 1 day
      E3 received 20 Sep 08:00, upheld 22 Sep 08:00: 2 days; the independent review
         overturned it: approved after appeal
    2026, UMP, standard: Q1 received 5 Jan 10:00, overturned 8 Jan 10:00: 3 days
    2026, Genex UR, clinical appeal: G1 received 2 Feb 09:00, upheld 4 Feb 21:00: 2.5 days
    """
    bob, rita, vera = people["bob"], people["rita"], people["vera"]
    member = Party.objects.create(role="member", name="Lee Roe", subscriber_id="W7654321")
    consent = written_consent()
    receive = taken_in(member, bob)

    def decide(case: Case, outcome: str, when: str, by: Any = rita) -> Case:
        moment = at(when)
        return sv.case_decide(case, actor=by, outcome=outcome, decided_at=moment, now=moment)

    def appeal_later(case: Case, when: str, outcome: str, requested: str = "appeal") -> Case:
        sv.case_record_notice(
            case, actor=bob, notice="decision", medium="written", now=case.decided_at + D
        )
        moment = at(when)
        later = sv.case_escalate(
            case,
            actor=bob,
            received_at=when,
            channel="mail",
            requested=requested,
            backdate_reason="mail log",
            now=moment + dt.timedelta(minutes=5),
        )
        return decide(later, outcome, (moment + 7 * D).isoformat(), by=vera)

    expedited = {"expedited": True, "filed_by": "provider", "category": "coverage_denial"}
    c: dict[str, Case] = {}
    c["P1"] = decide(
        receive(ump(received_at="2025-03-03T10:00:00-08:00")), "upheld", "2025-03-13T10:00:00-07:00"
    )
    c["P1 level 2"] = appeal_later(c["P1"], "2025-04-01T10:00:00-07:00", "overturned")
    c["P2"] = decide(
        receive(ump(received_at="2025-05-01T09:00:00-07:00")),
        "overturned",
        "2025-05-05T09:00:00-07:00",
    )
    c["P3"] = receive(ump(received_at="2025-06-02T09:00:00-07:00"))
    sv.clock_extend(
        Clock.objects.get(case=c["P3"], clock_id="decision"),
        actor=bob,
        new_due_at=at("2025-07-31T23:59:59-07:00"),
        reason="records from the clinic",
        consent_document=consent,
        now=at("2025-06-04T10:00:00-07:00"),
    )
    c["P3"].refresh_from_db()
    c["P3"] = decide(c["P3"], "partially_overturned", "2025-06-08T21:00:00-07:00")
    c["P4"] = decide(
        receive(ump(received_at="2025-07-01T09:00:00-07:00")), "upheld", "2025-07-15T09:00:00-07:00"
    )
    c["P4 level 2"] = appeal_later(c["P4"], "2025-08-01T09:00:00-07:00", "upheld")
    c["P5"] = receive(ump(received_at="2025-08-01T09:00:00-07:00"))
    sv.case_dismiss(c["P5"], actor=bob, reason="withdrawn", now=at("2025-08-04T09:00:00-07:00"))
    c["P6"] = receive(ump(received_at="2025-12-31T23:30:00-08:00"))
    complaint = receive(
        ump(received_at="2025-04-10T10:00:00-07:00", requested="complaint", category="wait_time")
    )
    decide(complaint, "upheld", "2025-04-20T10:00:00-07:00")
    c["E1"] = decide(
        receive(ump(received_at="2025-09-01T08:00:00-07:00", **expedited)),
        "overturned",
        "2025-09-01T20:00:00-07:00",
    )
    c["E2"] = decide(
        receive(ump(received_at="2025-09-10T08:00:00-07:00", **expedited)),
        "upheld",
        "2025-09-11T08:00:00-07:00",
    )
    c["E3"] = decide(
        receive(ump(received_at="2025-09-20T08:00:00-07:00", **expedited)),
        "upheld",
        "2025-09-22T08:00:00-07:00",
    )
    c["E3 review"] = appeal_later(
        c["E3"], "2025-10-01T09:00:00-07:00", "overturned", "external_review"
    )
    c["Q1"] = decide(
        receive(ump(received_at="2026-01-05T10:00:00-08:00")),
        "overturned",
        "2026-01-08T10:00:00-08:00",
    )
    c["G1"] = decide(
        receive(
            genex(
                received_at="2026-02-02T09:00:00-08:00",
                requested="clinical_appeal",
                category="clinical_determination",
                filed_by="provider",
                channel="phone",
            )
        ),
        "upheld",
        "2026-02-04T21:00:00-08:00",
    )
    return c


# year, program, track → the figures, worked out from the stories above
EXPECTED = {
    (2025, "ump", "standard"): {
        "requests": 6,  # P1-P6
        "decided": 4,
        "approved": 2,  # P2, P3
        "partially_approved": 1,  # P3
        "denied": 2,  # P1, P4
        "approved_after_appeal": 1,  # P1 (P4's level 2 upheld it)
        "extended_approved": 1,  # P3
        "pending": 1,  # P6
        "not_decided": 1,  # P5
        "approved_pct": 50.0,
        "denied_pct": 50.0,
        "approved_after_appeal_pct": 25.0,
        "extended_approved_pct": 25.0,
        # (9.958333 + 4 + 6.5 + 14) / 4; the median of 4, 6.5, 9.958333, 14: (6.5 + 9.958333) / 2
        "average_days": 8.61,
        "median_days": 8.23,
    },
    (2025, "ump", "expedited"): {
        "requests": 3,
        "decided": 3,
        "approved": 1,  # E1
        "partially_approved": 0,
        "denied": 2,  # E2, E3
        "approved_after_appeal": 1,  # E3, by the independent review
        "extended_approved": 0,
        "pending": 0,
        "not_decided": 0,
        "approved_pct": 33.3,
        "denied_pct": 66.7,
        "approved_after_appeal_pct": 33.3,
        "extended_approved_pct": 0.0,
        "average_days": 1.17,  # (0.5 + 1 + 2) / 3
        "median_days": 1.0,
    },
    (2026, "ump", "standard"): {
        "requests": 1,
        "decided": 1,
        "approved": 1,
        "partially_approved": 0,
        "denied": 0,
        "approved_after_appeal": 0,
        "extended_approved": 0,
        "pending": 0,
        "not_decided": 0,
        "approved_pct": 100.0,
        "denied_pct": 0.0,
        "approved_after_appeal_pct": 0.0,
        "extended_approved_pct": 0.0,
        "average_days": 3.0,
        "median_days": 3.0,
    },
    (2026, "genex-ur", "standard"): {
        "requests": 1,
        "decided": 1,
        "approved": 0,
        "partially_approved": 0,
        "denied": 1,
        "approved_after_appeal": 0,
        "extended_approved": 0,
        "pending": 0,
        "not_decided": 0,
        "approved_pct": 0.0,
        "denied_pct": 100.0,
        "approved_after_appeal_pct": 0.0,
        "extended_approved_pct": 0.0,
        "average_days": 2.5,
        "median_days": 2.5,
    },
}


def table(rows: list[PublicRow]) -> dict[tuple[int, str, str], dict[str, Any]]:
    return {
        (r.year, r.program, r.track): {
            k: v for k, v in r.__dict__.items() if k not in ("year", "program", "track")
        }
        for r in rows
    }


def test_every_figure_as_worked_out_by_hand(requests):
    assert table(selectors.public_metrics(ReportFilter())) == EXPECTED


def test_the_filter_and_what_the_reader_may_see(requests, people):
    f = ReportFilter.parse({"from": "2025-01-01", "to": "2025-12-31", "program": "ump"})
    assert table(selectors.public_metrics(f)) == {k: v for k, v in EXPECTED.items() if k[0] == 2025}
    # the year is the local date of receipt: P6 came in on 31 December, Pacific time
    late = ReportFilter.parse({"from": "2025-12-31", "to": "2025-12-31"})
    assert [(r.year, r.requests, r.pending) for r in selectors.public_metrics(late)] == [
        (2025, 1, 1)
    ]
    from appealdesk.access import roles

    genex_only = selectors.public_metrics(ReportFilter(), within=roles.visible(people["gina"]))
    assert table(genex_only) == {
        (2026, "genex-ur", "standard"): EXPECTED[(2026, "genex-ur", "standard")]
    }


def test_one_statement_whatever_the_number_of_requests(requests, people, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.public_metrics(ReportFilter())
    member = Party.objects.get(name="Lee Roe")
    for n in range(6):
        received = at(f"2025-10-{n + 10:02d}T09:00:00-07:00")
        case = sv.case_receive(
            request=ump(received_at=received.isoformat()),
            actor=people["bob"],
            member=member,
            backdate_reason="mail log",
            now=received + D,
        )
        sv.case_decide(
            case, actor=people["rita"], outcome="upheld", decided_at=received + D, now=received + D
        )
    with django_assert_num_queries(1):
        rows = selectors.public_metrics(ReportFilter())
    assert table(rows)[(2025, "ump", "standard")]["denied"] == 2 + 6


def test_the_cases_behind_each_figure_are_as_many_as_the_figure(requests):
    for (year, program, track), figures in EXPECTED.items():
        f = ReportFilter.parse({"program": program, "expedited": str(track == "expedited")})
        for figure in PUBLIC_FIGURES:
            drill = Drill.parse({"figure": figure, "year": str(year)})
            page = selectors.cases_behind(f, drill, limit=50)
            assert page.count == len(page.rows) == figures[figure], (year, program, track, figure)
    behind = selectors.cases_behind(
        ReportFilter.parse({"program": "ump", "expedited": "false"}),
        Drill.parse({"figure": "approved_after_appeal", "year": "2025"}),
    )
    assert [r.number for r in behind.rows] == [requests["P1"].number]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"figure": "liked"}, "figure"),
        ({"year": "26"}, "year"),
        ({"figure": "denied", "clock": "decision"}, "figure"),
    ],
)
def test_a_wrong_drill_names_its_field(params, field):
    from appealdesk.cases.errors import InvalidInput

    with pytest.raises(InvalidInput) as info:
        Drill.parse(params)
    assert info.value.field == field


def test_the_command_writes_it(requests, tmp_path):
    from appealdesk.cli import app

    result = CliRunner().invoke(
        app, ["report", "public-metrics", "--program", "ump", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    import json

    rows = json.loads(result.stdout)
    assert [(r["year"], r["track"], r["approved_after_appeal"]) for r in rows] == [
        (2025, "standard", 1),
        (2025, "expedited", 1),
        (2026, "standard", 0),
    ]
    out = tmp_path / "public.csv"
    result = CliRunner().invoke(app, ["report", "public-metrics", "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0].startswith("year,program,track,requests,decided,approved")
    assert lines[1].startswith("2025,ump,standard,6,4,2,1,2,1,1,1,1,50.0,50.0,25.0,25.0,8.61,8.23")
