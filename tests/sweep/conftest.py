"""The sweep's personas: the case core's (alice intake, bob analyst, erin supervises the team)."""

from __future__ import annotations

import pytest

from tests.cases import conftest as cases

# the case core's fixtures, shared
_fast_settings = cases._fast_settings
member, people, receive, team = cases.member, cases.people, cases.receive, cases.team


@pytest.fixture
def supervised(people, team):
    """erin supervises the team; bob owns the cases `owned` gives him."""
    team.supervisor = people["erin"]
    team.save(update_fields=["supervisor"])
    return team
