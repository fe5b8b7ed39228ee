"""The pack format's new rules where cases live (issue 23), on the Medicare Part C grievance
pack: an immediate clock is met by its first milestone and never swept as missed; an extension
stays within the pack's `up_to`."""

from __future__ import annotations

import datetime as dt

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.errors import Refused
from appealdesk.cases.models import Clock

T = dt.datetime(2026, 3, 6, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

# seed: "When the MA organization extends the deadline, it must immediately notify the enrollee
# in writing of the reasons for the delay."
GRIEVANCE = {
    "program": "medicare-part-c",
    "received_at": "2026-03-06T10:00:00-05:00",
    "channel": "phone",
    "filed_by": "member",
    "category": "customer_service",
    "occurrence_date": "2026-03-01",
}


@pytest.fixture
def grievance(db, people, member):
    return sv.case_receive(request=GRIEVANCE, actor=people["alice"], member=member, now=T)


def _clock(case, clock_id: str) -> Clock:
    return Clock.objects.get(case=case, clock_id=clock_id)


def test_an_immediate_clock_is_met_by_its_first_milestone_never_missed(grievance, people):
    notice = _clock(grievance, "extension_notice")
    assert notice.state == "pending" and notice.unit == "immediate" and notice.length == 0
    taken = T + 10 * D
    sv.case_record_milestone(
        grievance, actor=people["bob"], milestone="extension_taken", at=taken, now=taken
    )
    notice.refresh_from_db()
    assert notice.state == "running" and notice.due_at == taken
    # a day later the sweep runs: the notice is due "immediately", not missed
    run = sv.clocks_sweep(now=taken + D)
    notice.refresh_from_db()
    assert notice.state == "running" and run.counts["missed"] == 0
    grievance.refresh_from_db()
    sent = taken + 2 * D
    sv.case_record_milestone(
        grievance, actor=people["bob"], milestone="extension_notice_sent", at=sent, now=sent
    )
    notice.refresh_from_db()
    assert notice.state == "met" and notice.met_at == sent


def test_an_extension_goes_at_most_as_far_as_the_pack_allows(grievance, people):
    """seed: "The MA organization may extend the 30-day timeframe by up to 14 days …" """
    resolve = _clock(grievance, "resolve")
    assert resolve.extension_rule["up_to"] == {"length": 14, "unit": "calendar_days"}
    with pytest.raises(Refused, match="at most 14 calendar days"):
        sv.clock_extend(
            resolve,
            actor=people["bob"],
            new_due_at=resolve.due_at + 14 * D + H,
            reason="records from the provider",
            now=T + D,
        )
    sv.clock_extend(
        resolve,
        actor=people["bob"],
        new_due_at=resolve.due_at + 14 * D,
        reason="records from the provider",
        now=T + D,
    )
    resolve.refresh_from_db()
    assert resolve.state == "extended"
    assert resolve.due_at.astimezone(dt.UTC) == dt.datetime(2026, 4, 20, 3, 59, 59, tzinfo=dt.UTC)
