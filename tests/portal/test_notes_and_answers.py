"""Staff's internal notes never reach the member (issue 18, item 3): not on the portal, not
through the API to a portal user; and a member's answer on the portal tells the analyst
(item 2). Maria answers for her own appeal, owned by bob and reviewed by carol."""

from __future__ import annotations

import pytest

from appealdesk.cases import services as sv
from appealdesk.cases.models import Case, Notification
from tests.api.conftest import API, bearer, key_of
from tests.portal.test_status import file_for, pdf

pytestmark = pytest.mark.django_db

SECRET = "internal: the member may be litigious"


@pytest.fixture
def bobs(maria, staff) -> Case:
    case = file_for(maria, staff, provided=["subscriber_name"])
    case = sv.case_assign(case, actor=staff["sam"], owner=staff["bob"], reviewer=staff["carol"])
    sv.case_note_add(case, actor=staff["bob"], text=f"@carol {SECRET}")
    return sv.case_return_to_analyst(case, actor=staff["carol"], reason=f"returned: {SECRET}")


def test_the_portal_never_shows_notes_or_returns(maria, signed_in, bobs, staff):
    html = signed_in(maria).get(f"/portal/cases/{bobs.number}/").content.decode()
    assert bobs.number in html
    assert "litigious" not in html and "Internal note" not in html and "Returned" not in html
    # staff see both on the desk
    from django.test import Client

    desk = Client()
    desk.force_login(staff["bob"])
    page = desk.get(f"/desk/cases/{bobs.number}/").content.decode()
    assert page.count("litigious") >= 2 and "Returned to the analyst" in page


def test_the_api_gives_a_portal_user_nothing_and_staff_the_notes(client, maria, bobs, staff):
    url = f"{API}/cases/{bobs.number}/timeline"
    # a portal account with a key (were one issued) sees no case: 404, as for any case
    assert client.get(url, headers=bearer(key_of(maria.user))).status_code == 404
    # her portal session is no desk session: the API does not take it
    client.force_login(maria.user)
    assert client.get(url).status_code == 401
    client.logout()
    staff_view = client.get(url, headers=bearer(key_of(staff["bob"]))).json()
    assert any(e["action"] == "case.note_added" and SECRET in e["reason"] for e in staff_view)


def test_a_portal_answer_tells_the_analyst_and_the_reviewer(maria, signed_in, staff):
    case = file_for(maria, staff, provided=["subscriber_name"])
    case = sv.case_assign(case, actor=staff["sam"], owner=staff["bob"], reviewer=staff["carol"])
    sv.case_request_information(case, actor=staff["bob"], items=["eob"])
    response = signed_in(maria).post(
        f"/portal/cases/{case.number}/information/",
        {
            "info-version": Case.objects.get(pk=case.pk).version,
            "info-items": ["eob"],
            "info-eob": pdf("march-eob.pdf"),
            "info-message": "Here it is.",
        },
    )
    assert response.status_code == 302
    for who in ("bob", "carol"):
        note = Notification.objects.get(recipient=staff[who], kind="case.information_received")
        assert note.text == (
            f"The member answered on the portal on case {case.number} (eob). They wrote: "
            "“Here it is.”"
        )
        assert note.event.actor_id == maria.user.pk
    assert not Notification.objects.filter(recipient=maria.user).exists()
