"""One access-log row per look (issue 24 item 1): every kind of read that shows many cases — the
desk's worklist, search, dashboard, a report's drill-down, the universe export, the API's list
and drill-down, the FHIR Task search, the portal's list — writes one row naming them all (a list
of 50 is 1 row, not 50); a case page is one row; each refused attempt is one row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from appealdesk.access.models import AccessLog
from appealdesk.accounts.models import PortalAccount
from appealdesk.api.models import ApiKey
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db
LISTED = 55  # more than a page: a list page shows 50


@pytest.fixture
def many(staff, member, receive) -> list:
    account = PortalAccount.objects.create(
        user=staff["root"].__class__.objects.create_user("pat@example.org", "pat@example.org"),
        kind=PortalAccount.MEMBER,
        party=member,
        email_verified_at=timezone.now(),
        linked_at=timezone.now(),
    )
    cases = [receive() for _ in range(LISTED)]
    cases += [receive(received_at=local_now(hours_ago=24 * 40)) for _ in range(3)]  # overdue
    AccessLog.objects.all().delete()
    return [account, *cases]


def rows_of(read: Callable[[], object]) -> list[AccessLog]:
    """The rows one read writes."""
    before = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    read()
    return list(AccessLog.objects.filter(id__gt=before).order_by("id"))


def one_row_naming(read: Callable[[], object], what: str, shown: int) -> AccessLog:
    rows = rows_of(read)
    assert [r.what for r in rows] == [what], [r.what for r in rows]
    assert len(rows[0].case_ids) == shown and rows[0].allowed
    return rows[0]


def bearer(user) -> dict[str, str]:
    _, key = ApiKey.issue(name="test", user=user, scopes=["cases:read", "reports:read"])
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_list_of_fifty_is_one_row_and_so_is_every_kind_of_read(staff, member, many):
    account, cases = many[0], many[1:]
    bob, sam, root = Client(), Client(), Client()
    bob.force_login(staff["bob"])
    sam.force_login(staff["sam"])
    root.force_login(staff["root"])
    month = timezone.localdate().strftime("%Y-%m")

    row = one_row_naming(lambda: bob.get("/desk/?tab=team"), "worklist team", 50)
    assert row.member_ids == [member.pk]
    one_row_naming(lambda: bob.get("/desk/search/", {"q": "Pat Doe"}), "search result", 50)
    dashboard = rows_of(lambda: sam.get("/desk/dashboard/"))
    assert [r.what for r in dashboard] == ["dashboard"] and len(dashboard[0].case_ids) >= 3
    drill = f"/desk/reports/cases/?program=ump&month_received={month}"
    # a drill-down's rows name id and number: the row still names their member
    assert one_row_naming(lambda: sam.get(drill), "report cases", 50).member_ids == [member.pk]
    export = rows_of(lambda: b"".join(root.get("/desk/reports/universe.csv").streaming_content))
    assert [(r.what, r.case_number) for r in export] == [("universe export", "*")]
    api = bearer(staff["bob"])
    one_row_naming(lambda: bob.get("/api/v1/cases", {"limit": 50}, **api), "api list", 50)
    api_drill = f"/api/v1/reports/cases?program=ump&month_received={month}&limit=50"
    api_rows = one_row_naming(
        lambda: sam.get(api_drill, **bearer(staff["sam"])), "api report cases", 50
    )
    assert api_rows.member_ids == [member.pk]
    fhir = one_row_naming(
        lambda: bob.get("/fhir/r4/Task", {"_count": 50}, **api), "fhir Task search", 50
    )
    assert fhir.member_ids == [member.pk]
    portal = Client(HTTP_HOST="127.0.0.1")
    portal.force_login(account.user)
    one_row_naming(lambda: portal.get("/portal/"), "portal case list", 50)

    # a case page is one row; each refused attempt is one row of its own
    page = rows_of(lambda: bob.get(f"/desk/cases/{cases[0].number}/"))
    assert [(r.what, r.case_id, r.allowed) for r in page] == [("case page", cases[0].pk, True)]
    olga = Client()
    olga.force_login(staff["olga"])
    refused = rows_of(lambda: [olga.get(f"/desk/cases/{c.number}/") for c in cases[:3]])
    assert [r.allowed for r in refused] == [False, False, False]
    # fifty-five cases read a dozen ways: a row a look, not a row a case
    assert AccessLog.objects.count() < 15
