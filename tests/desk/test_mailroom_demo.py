"""The demo's mailroom: four items made through the mailroom's services and read by its reader
(no OCR): a faxed UMP appeal with its member, a scanned Genex grievance form (its member found
by name and date of birth), an e-mailed reply
to an information request on a demo case, and a misdirected fax; the desk's queue shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from appealdesk.cases.models import Party
from appealdesk.demo.data import load_demo
from appealdesk.mailroom.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    settings.MFA = "optional"
    now = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    return load_demo(cases=40, seed=4, now=now, say=lambda _: None)


def test_the_demo_mailroom(demo, client):
    items = {i.raw_name or i.subject: i for i in Item.objects.all()}
    assert len(items) == 4 and all(i.state == "proposed" for i in items.values())
    appeal = items["fax-appeal.pdf"]
    assert appeal.program == "ump" and appeal.proposal["matched"]["member_id"]
    assert appeal.first_due_at is not None and appeal.pages == 2
    form = items["genex-grievance-form.pdf"]
    assert form.source == "scan" and form.program == "genex-ur"
    assert form.received_basis.startswith("date-stamp")
    # no claim number on the form: the worker's name and date of birth find the member
    found = form.proposal["matched"]
    assert found["member_by"] == "name and date of birth" and found["member_review"] == ""
    assert (
        Party.objects.get(pk=found["member_id"]).birth_date.isoformat() in found["dates_of_birth"]
    )
    reply = next(i for i in items.values() if i.source == "email")
    assert reply.proposal["matched"]["reply_to_case"] or reply.proposal["matched"]["case_numbers"]
    assert "medical records" in reply.text and reply.quoted
    misdirected = items["fax-refill.pdf"]
    assert "lisinopril" in misdirected.text
    client.force_login(get_user_model().objects.get(username="sam"))
    page = client.get("/desk/mailroom/").content.decode()
    for item in (appeal, reply, misdirected):
        assert f'href="/desk/mailroom/{item.pk}/"' in page
    assert "Mailroom (" in page
