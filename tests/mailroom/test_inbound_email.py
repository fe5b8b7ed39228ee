"""E-mail from an e-mail service's inbound webhook through django-anymail (Mailgun's raw MIME
variant, signed as Mailgun signs it): stored as an item before the 200."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from appealdesk.mailroom.models import Item
from tests.mailroom.test_imap import message


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ROOT_URLCONF = "tests.mailroom.urls"
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": "svc:webhook-pass",
        "MAILGUN_WEBHOOK_SIGNING_KEY": "mg-key",
    }


def post(client, raw: bytes, *, key: str = "mg-key"):
    timestamp, token = "1772470000", "a" * 50
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    auth = base64.b64encode(b"svc:webhook-pass").decode()
    return client.post(
        "/mailroom/anymail/mailgun/inbound_mime/",
        data={
            "body-mime": raw.decode(),
            "recipient": "appeals@plan.example",
            "sender": "member1@example.org",
            "timestamp": timestamp,
            "token": token,
            "signature": signature,
        },
        headers={"Authorization": f"Basic {auth}"},
    )


@pytest.mark.django_db
def test_a_mailgun_inbound_message_becomes_an_item(client):
    response = post(client, message(1))
    assert response.status_code == 200
    item = Item.objects.get()
    assert (item.source, item.source_id) == ("email", "appeal-1@example.org")
    assert item.sender == "member1@example.org" and item.addressed_to == "appeals@plan.example"
    assert b"I appeal the denial of claim 1." in item.raw.open("rb").read()
    assert post(client, message(1)).status_code == 200  # the service retries: seen again
    assert Item.objects.get().seen_count == 2


@pytest.mark.django_db
def test_a_wrongly_signed_inbound_message_is_refused(client):
    assert post(client, message(1), key="not-mailgun").status_code == 400
    assert not Item.objects.exists()
