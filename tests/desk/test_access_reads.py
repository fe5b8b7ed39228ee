"""Every read of PHI is logged, lists included (issue 15 items 1 and 6): one access-log row per
page, naming the cases and members it showed; a member's record is read only by staff who may
see that member (their team's cases, or no case yet), and intake cannot borrow another team's
member by posting an id."""

from __future__ import annotations

import pytest
from django.test import Client

from appealdesk.access.log import looks_at_case, looks_at_member
from appealdesk.access.models import AccessLog
from appealdesk.cases.models import Document, Party
from appealdesk.cases.services import case_receive
from tests.conftest import ump
from tests.desk.conftest import local_now
from tests.desk.test_intake import form

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger(staff):
    """A member whose only case is the pharmacy team's (alice and bob work medical)."""
    party = Party.objects.create(
        role="member", name="Quinn Hidden", subscriber_name="Quinn Hidden", subscriber_id="W9990001"
    )
    party.phone, party.address, party.email = "360-555-0199", "1 Secret Way", "q@example.org"
    party.save()
    case_receive(
        request=ump(received_at=local_now(), service="prescription", category="coverage_denial"),
        actor=staff["olga"],
        member=party,
        backdate_reason="entered after the call",
    )
    return party


def test_a_worklist_page_is_one_row_naming_its_cases_and_members(client, staff, appeal, receive):
    others = [receive() for _ in range(3)]
    client.force_login(staff["bob"])
    assert client.get("/desk/?tab=team").status_code == 200
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1
    assert rows[0].what == "worklist team" and rows[0].username == "bob"
    assert sorted(rows[0].case_ids) == sorted([appeal.pk, *(c.pk for c in others)])
    assert rows[0].member_ids == [appeal.member_id]
    # "who looked at this case" finds the list read
    assert list(looks_at_case(others[0].pk)) == rows
    assert list(looks_at_member(appeal.member_id)) == rows


def test_the_case_page_shows_list_reads_to_a_supervisor(client, staff, appeal):
    client.force_login(staff["bob"])
    client.get("/desk/?tab=team")
    client.force_login(staff["sam"])
    page = client.get(f"/desk/cases/{appeal.number}/").content.decode()
    assert "bob · worklist team" in page


def test_an_empty_list_writes_nothing(client, staff):
    client.force_login(staff["bob"])
    assert client.get("/desk/?tab=team").status_code == 200
    assert not AccessLog.objects.exists()


def test_party_search_is_scoped_and_logged(client, staff, member, appeal, stranger):
    client.force_login(staff["alice"])
    found = client.get("/desk/intake/parties/", {"member_q": "Hidden"}).content.decode()
    assert "Quinn" not in found and "W9990001" not in found
    found = client.get("/desk/intake/parties/", {"member_q": "Pat"}).content.decode()
    assert "Pat Doe" in found
    rows = list(AccessLog.objects.filter(what="member search"))
    assert [r.member_ids for r in rows] == [[member.pk]]


def test_intake_cannot_read_another_teams_member_by_id(client, staff, stranger):
    """The attack: post member=<id> and get the name and subscriber ID back (then walk ids)."""
    client.force_login(staff["alice"])
    for url in ("/desk/intake/?program=ump", "/desk/intake/assess/?program=ump"):
        answer = client.post(url, form(member=stranger.pk, member_name="", preview="1"))
        body = answer.content.decode()
        assert "Quinn" not in body and "W9990001" not in body and "Secret" not in body
    # nor can a case be taken in for that member
    client.post("/desk/intake/?program=ump", form(member=stranger.pk, member_name="", confirm="1"))
    assert stranger.member_cases.count() == 1
    assert not AccessLog.objects.filter(member_ids__isnull=False, what="intake member").exists()


def test_the_member_chosen_at_intake_is_a_logged_read(client, staff, member, appeal):
    client.force_login(staff["alice"])
    page = client.post(
        "/desk/intake/?program=ump", form(member=member.pk, member_name="", preview="1")
    ).content.decode()
    assert "Pat Doe" in page
    row = AccessLog.objects.get(what="intake member")
    assert row.member_ids == [member.pk] and row.username == "alice"


def test_a_supervisor_sees_members_of_the_program(client, staff, stranger):
    client.force_login(staff["sam"])
    found = client.get("/desk/intake/parties/", {"member_q": "Hidden"}).content.decode()
    assert "Quinn Hidden" in found


def test_the_dashboard_lists_are_logged(client, staff, receive):
    overdue = receive(received_at=local_now(hours_ago=24 * 40))
    client.force_login(staff["sam"])
    assert client.get("/desk/dashboard/").status_code == 200
    row = AccessLog.objects.get(what="dashboard")
    assert overdue.pk in row.case_ids


def test_the_admin_party_and_document_pages_are_logged(staff, appeal, member):
    from django.core.files.base import ContentFile

    from appealdesk.cases.documents import document_store

    document = document_store(
        ContentFile(b"%PDF-1.4\n%%EOF\n", name="eob.pdf"),
        kind="eob",
        case=appeal,
        actor=staff["alice"],
    )
    admin = Client()
    admin.force_login(staff["root"])
    assert admin.get(f"/admin/cases/party/{member.pk}/change/").status_code == 200
    assert admin.get("/admin/cases/party/").status_code == 200
    assert admin.get(f"/admin/cases/document/{document.pk}/change/").status_code == 200
    assert admin.get("/admin/cases/document/").status_code == 200
    whats = dict(AccessLog.objects.values_list("what", "member_ids"))
    assert whats["admin party"] == [member.pk] and member.pk in whats["admin party list"]
    assert AccessLog.objects.get(what="admin document").case_id == appeal.pk
    assert appeal.pk in AccessLog.objects.get(what="admin document list").case_ids
    assert Document.objects.count() == 1


def test_the_picked_members_details_are_scoped_and_logged(client, staff, member, appeal, stranger):
    """Intake shows the picked member's details to verify with the caller (issue 18 item 7);
    only a member intake may see, and each look is in the access log."""
    client.force_login(staff["alice"])
    search = client.get("/desk/intake/parties/", {"member_q": "Pat"}).content.decode()
    assert f'hx-get="/desk/intake/parties/{member.pk}/"' in search
    member.language = "es"
    member.save(update_fields=["language"])
    details = client.get(f"/desk/intake/parties/{member.pk}/").content.decode()
    for shown in ("Pat Doe", member.subscriber_id, "Letters in</dt><dd>Spanish"):
        assert shown in details, shown
    rows = list(AccessLog.objects.filter(what="member details at intake"))
    assert [r.member_ids for r in rows] == [[member.pk]]
    hidden = client.get(f"/desk/intake/parties/{stranger.pk}/")
    assert hidden.status_code == 404
    assert "Quinn" not in hidden.content.decode() and "W9990001" not in hidden.content.decode()
    assert AccessLog.objects.filter(what="member details at intake").count() == 1
