"""The desk with a third program and two versions of a pack (issue 23): intake assesses a
Medicare Part C grievance like the others, and the pack page shows what changed between
versions, each change with its citation."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml
from django.utils import timezone

from appealdesk.policy import loader

pytestmark = pytest.mark.django_db

MEDICARE = loader.BUNDLED_DIR / "medicare-part-c-grievance.yaml"


@pytest.fixture
def newer_version(tmp_path, monkeypatch):
    """medicare-part-c 2027.1 in a pack folder named by APPEALDESK_PACK_DIRS: 90 days to file."""
    shutil.copytree(loader.BUNDLED_DIR / "seeds", tmp_path / "seeds")
    data = yaml.safe_load(MEDICARE.read_text())
    data.update(version="2027.1", effective_from="2027-01-01")
    data["processes"][0]["filing"][0]["window"]["length"] = 90
    (tmp_path / "medicare-2027.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv(loader.PACK_DIRS_ENV, str(tmp_path))
    loader.default_registry.cache_clear()
    yield
    monkeypatch.delenv(loader.PACK_DIRS_ENV)
    loader.default_registry.cache_clear()


def test_the_pack_page_shows_what_changed_from_the_version_before(client, staff, newer_version):
    client.force_login(staff["root"])
    page = client.get("/desk/admin/packs/medicare-part-c/2027.1/").content.decode()
    assert "What changed from 2026.1" in page
    assert "medicare-part-c 2026.1 → 2027.1: 2 changes." in page
    assert "window.length: 60 → 90" in page
    assert "An enrollee must file a grievance no later than 60 days" in page
    first = client.get("/desk/admin/packs/medicare-part-c/2026.1/").content.decode()
    assert "No earlier version of medicare-part-c" in first
    assert 'href="?compare=2027.1"' in first
    compared = client.get("/desk/admin/packs/medicare-part-c/2026.1/?compare=2027.1")
    assert "window.length: 90 → 60" in compared.content.decode()


def test_the_third_pack_reads_in_words_on_its_page(client, staff):
    client.force_login(staff["root"])
    page = client.get("/desk/admin/packs/medicare-part-c/2026.1/").content.decode()
    assert "60 days after the event or incident: no later than 60 calendar days after" in page
    assert "immediately from extension taken" in page
    assert "24 hours from received" in page and "urgent track" in page
    assert "up to 14 calendar days" in page


def test_intake_assesses_a_medicare_grievance(client, staff):
    client.force_login(staff["alice"])
    now = timezone.localtime()
    fields = {
        "program": "medicare-part-c",
        "channel": "phone",
        "received_at": now.strftime("%Y-%m-%dT%H:%M"),
        "filed_by": "member",
        "requested": "grievance",
        "category": "expedite_refused",
        "occurrence_date": now.date().isoformat(),
        "member_name": "Lee Park",
    }
    panel = client.post("/desk/intake/assess/?program=medicare-part-c", fields).content.decode()
    assert "Grievance — expedited" in panel
    assert "(resolve_expedited, 24 hours, urgent)" in panel
    assert "Grievance unit (the MA organization)" in panel
    assert "In time: the last day to file is" in panel


def test_a_medicare_case_page_shows_its_clocks_in_words(client, staff, member):
    from appealdesk.cases.services import case_receive

    now = timezone.localtime()
    request = {
        "program": "medicare-part-c",
        "received_at": (now - dt.timedelta(hours=1)).isoformat(timespec="seconds"),
        "channel": "phone",
        "filed_by": "member",
        "category": "customer_service",
        "occurrence_date": now.date().isoformat(),
    }
    case = case_receive(
        request=request, actor=staff["alice"], member=member, backdate_reason="after the call"
    )
    assert case.number.startswith(f"MEDICARE-PART-C-{now.year}-")
    client.force_login(staff["root"])
    page = client.get(f"/desk/cases/{case.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "resolve · 30 calendar days from received" in html
    assert "extension_notice · immediately from extension taken" in html
