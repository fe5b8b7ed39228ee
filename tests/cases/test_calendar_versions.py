"""A case keeps the calendar its clocks were computed with; a new pack version (genex-ur 2026.2,
the dated CalHR table) applies to new cases (SPEC 2 and 3, issue 20 item 1)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.models import Clock
from appealdesk.policy import loader
from tests.cases.conftest import genex_request

pytestmark = pytest.mark.django_db

LEGACY = Path(__file__).resolve().parents[1] / "policy" / "fixtures" / "genex-ur-2026.1.yaml"
# Thursday 23 December 2027, the example: CalHR keeps Saturday 25 December and Saturday
# 1 January where they fall, so the 5th business day after it is Thursday 30 December; the
# holidays package (genex-ur 2026.1) moved both to the Fridays 24 and 31 December: 3 January.
RECEIVED = "2027-12-23T09:00:00-08:00"
NOW = dt.datetime(2027, 12, 23, 17, 5, tzinfo=dt.UTC)


@pytest.fixture
def legacy_packs(tmp_path, monkeypatch):
    """The bundled folder as it was before 2026.2: the Genex calendar from the package."""
    folder = tmp_path / "packs"
    folder.mkdir()
    shutil.copy(LEGACY, folder / "genex-ur.yaml")
    shutil.copy(loader.BUNDLED_DIR / "ump.yaml", folder / "ump.yaml")
    shutil.copytree(loader.SEEDS_DIR, folder / "seeds")

    def use(bundled: Path) -> None:
        monkeypatch.setattr(loader, "BUNDLED_DIR", bundled)
        loader.default_registry.cache_clear()
        packs.forget()

    use(folder)
    yield lambda: use(Path(loader.__file__).with_name("packs"))
    loader.default_registry.cache_clear()


def ack(case) -> Clock:
    return Clock.objects.get(case=case, clock_id="acknowledge", state__in=["running", "extended"])


def receive(people, member):
    return sv.case_receive(
        request=genex_request(received_at=RECEIVED, occurrence_date="2027-06-01"),
        actor=people["alice"],
        member=member,
        now=NOW,
    )


def test_an_existing_clock_keeps_its_calendar_when_the_pack_changes(legacy_packs, people, member):
    old = receive(people, member)
    assert ack(old).due_date == dt.date(2028, 1, 3)
    assert "holidays 0.109" in ack(old).calendar and "genex-ur@2026.1" in ack(old).calendar

    legacy_packs()  # genex-ur 2026.2 is deployed: the CalHR table
    new = receive(people, member)
    assert ack(new).due_date == dt.date(2027, 12, 30)
    assert "CalHR's list table" in ack(new).calendar and "genex-ur@2026.2" in ack(new).calendar
    assert any("acknowledge (2027-12-30)" in w for w in new.assessment["warnings"])

    # the stored clock is untouched, and assessing the old case again (a reclassification)
    # counts on the calendar of the version it was received under, read from its snapshot
    assert ack(old).due_date == dt.date(2028, 1, 3)
    packs.forget()
    sv.case_reclassify(
        old,
        actor=people["bob"],
        changes={"category": "process_or_staff"},
        reason="the grievance is about the nurse reviewer's manner",
    )
    again = ack(old)
    assert again.due_date == dt.date(2028, 1, 3) and "genex-ur@2026.1" in again.calendar
    assert Clock.objects.filter(case=old, clock_id="acknowledge", state="cancelled").count() == 1


def test_reclassification_keeps_the_program(people, member):
    case = receive(people, member)
    with pytest.raises(InvalidInput) as info:
        sv.case_reclassify(case, actor=people["bob"], changes={"program": "ump"}, reason="x")
    assert info.value.field == "program"
