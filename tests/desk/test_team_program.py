"""A case is never put in another program's team (issue 15 item 1): that team's staff would
then read it. The core services refuse it, so the desk, the API and every later surface do."""

from __future__ import annotations

import pytest

from appealdesk.cases.errors import Refused
from appealdesk.cases.models import Team
from appealdesk.cases.services import case_assign, case_receive
from tests.conftest import ump
from tests.desk.conftest import local_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def genex_team(db):
    return Team.objects.create(name="Genex grievances", program="genex-ur", handler="")


def test_intake_refuses_another_programs_team(staff, member, genex_team):
    with pytest.raises(Refused, match="works genex-ur cases"):
        case_receive(
            request=ump(received_at=local_now()),
            actor=staff["alice"],
            member=member,
            team=genex_team,
            backdate_reason="entered after the call",
        )
    assert not genex_team.cases.exists()


def test_assign_refuses_another_programs_team(staff, appeal, genex_team, pharmacy):
    with pytest.raises(Refused, match="works genex-ur cases"):
        case_assign(appeal, actor=staff["sam"], team=genex_team)
    appeal.refresh_from_db()
    assert appeal.team.program == "ump"
    case_assign(appeal, actor=staff["sam"], team=pharmacy)  # same program: fine
    appeal.refresh_from_db()
    assert appeal.team == pharmacy


def test_the_desk_refuses_a_posted_team_of_another_program(client, staff, appeal, genex_team):
    client.force_login(staff["sam"])
    client.post(
        f"/desk/cases/{appeal.number}/assign/",
        {"team": str(genex_team.pk), "version": str(appeal.version), "owner": "", "reviewer": ""},
    )
    appeal.refresh_from_db()
    assert appeal.team.program == "ump"
