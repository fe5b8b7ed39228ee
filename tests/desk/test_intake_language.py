"""Intake tells the member's letters' language (issue 18, item 9): for a new member it is
stored with the member; for a member on file a change goes through `party_language_set` with
its event on the new case; leaving it "as on file" changes nothing."""

from __future__ import annotations

import pytest

from appealdesk.cases.models import Case, Event, Party
from tests.desk.test_intake import form

pytestmark = pytest.mark.django_db


def test_a_new_spanish_speaking_member(client, staff):
    client.force_login(staff["alice"])
    page = client.get("/desk/intake/?program=ump").content.decode()
    assert '<fieldset class="letters-language"><legend>Letters</legend>' in page
    assert "Spanish (español)" in page
    response = client.post("/desk/intake/?program=ump", form(confirm="1", member_language="es"))
    assert response.status_code == 302
    assert Case.objects.get().member.language == "es"


def test_a_new_member_is_english_unless_told(client, staff):
    client.force_login(staff["alice"])
    client.post("/desk/intake/?program=ump", form(confirm="1"))
    assert Case.objects.get().member.language == ""


@pytest.mark.parametrize(
    ("on_file", "told", "events"),
    [("", "es", 1), ("es", "", 0)],  # told Spanish; "as on file" keeps her Spanish
    ids=["told-spanish", "as-on-file"],
)
def test_a_member_on_file(client, staff, on_file, told, events):
    member = Party.objects.create(
        role="member", name="Lee Park", subscriber_id="W7654321", language=on_file
    )
    client.force_login(staff["alice"])
    response = client.post(
        "/desk/intake/?program=ump",
        form(confirm="1", member=member.pk, member_name="", member_language=told),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "es"
    case = Case.objects.get()
    found = Event.objects.filter(case=case, action="party.language_set")
    assert found.count() == events
    if events:
        assert found.get().after == {"party": member.pk, "language": "es"}
        assert found.get().actor == staff["alice"]
