"""The privacy officer's pages (issue 24 item 4): only the privacy role (and administrators) may
read the accounting of access; it finds every look at a member — list reads, case pages,
refused attempts, and looks in archived, pruned months — on the page and in the CSV; the weekly
report names unusual access and is e-mailed to the privacy officers once."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from appealdesk.access import privacy
from appealdesk.access.archive import archive_month, prune
from appealdesk.access.models import AccessLog, AccessReview
from appealdesk.cases.models import Party
from appealdesk.cases.services import case_receive
from tests.conftest import genex
from tests.desk.conftest import local_now, make_user

pytestmark = pytest.mark.django_db
PAGES = ["/desk/privacy/?q=Pat", "/desk/privacy/review/"]


@pytest.fixture
def pia(staff):
    return make_user("pia", "privacy")


def member_pages(member) -> list[str]:
    return [f"/desk/privacy/members/{member.pk}/", f"/desk/privacy/members/{member.pk}/looks.csv"]


def test_only_privacy_officers_and_administrators_may_read_it(client, staff, pia, member):
    for name in ("alice", "bob", "carol", "sam", "olga"):
        client.force_login(staff[name])
        for url in PAGES + member_pages(member):
            assert client.get(url).status_code == 403, (name, url)
        assert "/desk/privacy/" not in client.get("/desk/").content.decode()
    assert not AccessLog.objects.filter(what__startswith="privacy").exists()
    for user in (pia, staff["root"]):
        client.force_login(user)
        for url in PAGES + member_pages(member):
            assert client.get(url).status_code == 200, (user, url)
    client.force_login(pia)
    assert 'href="/desk/privacy/"' in client.get("/desk/").content.decode()


def test_who_looked_at_this_member_and_why(client, settings, tmp_path, staff, pia, member, appeal):
    settings.MEDIA_ROOT = tmp_path / "files"
    # a look six years ago and more, archived and pruned from the database
    old = AccessLog.objects.create(
        username="gone", case_number="2 cases", case_ids=[appeal.pk, 999], member_ids=[member.pk],
        what="worklist team", allowed=True, path="/desk/?tab=team", ip="10.0.0.9",
    )  # fmt: skip
    AccessLog.objects.filter(pk=old.pk).update(at=dt.datetime(2018, 1, 5, 9, tzinfo=dt.UTC))
    archive_month(dt.date(2018, 1, 1))
    assert [p.done for p in prune(dt.date(2018, 2, 1))] == [True]
    # today: bob's worklist and case page, olga refused, alice reads another member
    someone = Party.objects.create(role="member", name="Kim Other", subscriber_id="W7")
    bob, olga = Client(), Client()
    bob.force_login(staff["bob"])
    olga.force_login(staff["olga"])
    bob.get("/desk/?tab=team")
    bob.get(f"/desk/cases/{appeal.number}/")
    assert olga.get(f"/desk/cases/{appeal.number}/").status_code == 404
    AccessLog.objects.create(
        username="alice", member_ids=[someone.pk], what="member search", allowed=True, path="/"
    )
    # three years ago, still in the database (read a year at a time, newest first)
    middle = AccessLog.objects.create(
        username="carla", member_ids=[member.pk], what="intake member", allowed=True, path="/"
    )
    AccessLog.objects.filter(pk=middle.pk).update(at=dt.datetime(2023, 6, 1, tzinfo=dt.UTC))

    client.force_login(pia)
    page = client.get(f"/desk/privacy/members/{member.pk}/").content.decode()
    for shown in ("worklist team", "case page", "<strong>refused</strong>", "archive 2018-01"):
        assert shown in page, shown
    assert "member search" not in page and appeal.number in page
    table = list(csv.reader(io.StringIO(b"".join(client.get(member_pages(member)[1])).decode())))
    assert table[0] == privacy.CSV_HEADER
    rows = table[1:]
    assert [(r[1], r[2], r[7]) for r in rows] == [
        ("pia", "allowed", "database"),  # the officer's own looks: this CSV and the page
        ("pia", "allowed", "database"),
        ("olga", "refused", "database"),
        ("bob", "allowed", "database"),
        ("bob", "allowed", "database"),
        ("carla", "allowed", "database"),
        ("gone", "allowed", "2018-01"),
    ]
    assert rows[-1][4] == appeal.number  # the member's case among those the list showed
    assert rows[-1][6] == "10.0.0.9" and rows[-1][0].startswith("2018-01-05T09:00:00")
    # the officer's looks are in the log too
    looked = AccessLog.objects.filter(what="privacy accounting", username="pia")
    assert looked.count() == 2 and looked.first().member_ids == [member.pk]


def test_the_member_search(client, pia, member):
    client.force_login(pia)
    page = client.get("/desk/privacy/", {"q": member.subscriber_id.lower()}).content.decode()
    assert f'href="/desk/privacy/members/{member.pk}/"' in page
    assert AccessLog.objects.get(what="privacy member search").member_ids == [member.pk]
    assert "No member matches" in client.get("/desk/privacy/", {"q": "Nobody"}).content.decode()


def test_the_weekly_report_of_unusual_access(client, settings, staff, pia, member, appeal):
    settings.AUDIT_FAMILY_NAMES = {"bob": ["Doe"]}
    ann = make_user("ann", "analyst", teams=[appeal.team])
    many = [
        Party.objects.create(role="member", name=f"Member {i}", subscriber_id=f"W{i}")
        for i in range(25)
    ]
    other = Party.objects.create(role="member", name="Lee Genex", subscriber_id="G1")
    elsewhere = case_receive(
        request=genex(received_at=local_now()),
        actor=staff["root"],
        member=other,
        backdate_reason="entered after the call",
    )

    def read(user, **fields) -> None:
        AccessLog.objects.create(
            user=user, username=user.username, what="x", allowed=True, path="/", **fields
        )

    read(staff["bob"], member_ids=[m.pk for m in many])  # 25 members
    read(staff["bob"], case=appeal, case_number=appeal.number)  # Pat Doe: bob's family name
    read(staff["olga"], member_ids=[many[0].pk, many[1].pk])
    read(ann, member_ids=[many[0].pk])
    read(staff["sam"], case_ids=[appeal.pk, elsewhere.pk])  # Genex is no program of sam's teams

    found = privacy.unusual_access(privacy.week_start(timezone.now().date()))
    signs = {(f["sign"], f["username"]) for f in found}
    assert signs == {("volume", "bob"), ("outside_programs", "sam"), ("family_name", "bob")}
    volume = next(f for f in found if f["sign"] == "volume")
    assert (
        "read 26 members; the median of the 3 A&G analyst users who read any is 2"
        in (volume["detail"])
    )
    assert elsewhere.number in next(f["detail"] for f in found if f["sign"] == "outside_programs")

    next_week = timezone.now() + dt.timedelta(days=7)
    review = privacy.review_run(next_week)
    assert review is not None and review.notified == 1 and len(review.findings) == 3
    assert [m.to for m in mail.outbox] == [["pia@example.org"]]
    assert "bob: read 26 members" in mail.outbox[0].body
    assert privacy.review_run(next_week) is None and AccessReview.objects.count() == 1
    assert len(mail.outbox) == 1
    client.force_login(pia)
    page = client.get("/desk/privacy/review/").content.decode()
    assert f"Week of {review.week}" in page and "Pat Doe" in page


def test_the_workers_hourly_round_makes_the_weeks_report_once(settings, pia):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    first = privacy.access_upkeep.enqueue()
    assert "review" in first.return_value and AccessReview.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["pia@example.org"]]
    assert "nothing found" in mail.outbox[0].body
    second = privacy.access_upkeep.enqueue()
    assert second.return_value.endswith("review exists") and len(mail.outbox) == 1
