"""The fax services' callbacks: valid, wrong signature, stale timestamp, replayed, oversized;
Phaxio's and fax.to's documented payloads; what is refused is recorded."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from appealdesk.mailroom.fax import generic_signature, phaxio_signature
from appealdesk.mailroom.models import Item, Refusal
from tests.mailroom.pages import pdf_of

SECRET = "fax-test-secret"
PDF = pdf_of([["Fax to Regence: appeal"]])


@pytest.fixture(autouse=True)
def _fax_settings(settings):
    settings.ROOT_URLCONF = "tests.mailroom.urls"
    settings.MAILROOM_FAX_SECRET = SECRET
    settings.MAILROOM_PHAXIO_CALLBACK_TOKEN = "phaxio-token"
    settings.MAILROOM_PHAXIO_CALLBACK_URL = "https://desk.example/mailroom/fax/phaxio"
    settings.MAILROOM_FAXTO_URL_TOKEN = "a-long-random-url-token"
    settings.MAILROOM_FAX_MAX_BYTES = 2_000_000


def generic_body(**fields) -> bytes:
    data = {
        "id": "F-100",
        "from": "+15035550100",
        "to": "+18776637526",
        "received_at": "2026-03-02T09:05:00-08:00",
        "pdf_base64": base64.b64encode(PDF).decode(),
        **fields,
    }
    return json.dumps(data).encode()


def post_generic(
    client, body: bytes, *, timestamp: int | None = None, signature: str | None = None
):
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = signature or generic_signature(SECRET, str(timestamp), body)
    return client.post(
        "/mailroom/fax/inbound",
        data=body,
        content_type="application/json",
        headers={"Appealdesk-Timestamp": str(timestamp), "Appealdesk-Signature": signature},
    )


@pytest.mark.django_db
def test_a_valid_fax_is_stored_with_the_number_it_was_sent_to(client):
    response = post_generic(client, generic_body())
    assert response.status_code == 200 and response.json()["created"] is True
    item = Item.objects.get()
    assert (item.source, item.source_id) == ("fax", "generic:F-100")
    assert item.addressed_to == "+18776637526" and item.sender == "+15035550100"
    assert item.received_at == dt.datetime(2026, 3, 2, 17, 5, tzinfo=dt.UTC)
    assert item.raw.open("rb").read() == PDF


@pytest.mark.django_db
def test_a_wrong_signature_is_refused_and_recorded(client):
    body = generic_body()
    bad = "v1=" + hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
    response = post_generic(client, body, signature=bad)
    assert response.status_code == 401 and response.json()["error"] == "bad_signature"
    assert not Item.objects.exists()
    assert Refusal.objects.get().code == "bad_signature"


@pytest.mark.django_db
def test_a_stale_timestamp_is_refused(client):
    response = post_generic(client, generic_body(), timestamp=int(time.time()) - 3600)
    assert response.status_code == 401 and response.json()["error"] == "stale"
    assert "window" in response.json()["message"]
    assert not Item.objects.exists() and Refusal.objects.get().code == "stale"


@pytest.mark.django_db
def test_a_replayed_request_is_refused_and_stores_nothing_twice(client):
    body = generic_body()
    timestamp = int(time.time())
    assert post_generic(client, body, timestamp=timestamp).status_code == 200
    again = post_generic(client, body, timestamp=timestamp)
    assert again.status_code == 409 and again.json()["error"] == "replayed"
    assert Item.objects.count() == 1 and Refusal.objects.get().code == "replayed"


@pytest.mark.django_db
def test_the_same_fax_resent_with_a_new_signature_is_seen_again_not_a_second_item(client):
    body = generic_body()
    sent = int(time.time())  # once: two reads of the clock may fall in two seconds
    assert post_generic(client, body, timestamp=sent).status_code == 200
    second = post_generic(client, body, timestamp=sent - 1)
    assert second.status_code == 200, second.json()
    assert second.json()["created"] is False
    assert Item.objects.get().seen_count == 2


@pytest.mark.django_db
def test_an_oversized_request_is_refused_before_it_is_read(client, settings):
    settings.MAILROOM_FAX_MAX_BYTES = 1000
    response = post_generic(client, generic_body())
    assert response.status_code == 413 and "at most" in response.json()["message"]
    assert not Item.objects.exists() and Refusal.objects.get().code == "too_large"


@pytest.mark.django_db
def test_an_unconfigured_endpoint_says_so(client, settings):
    settings.MAILROOM_FAX_SECRET = ""
    response = post_generic(client, generic_body())
    assert response.status_code == 503 and "MAILROOM_FAX_SECRET" in response.json()["message"]


def _phaxio_form(fax_id: int = 7001) -> dict[str, str]:
    fax = {
        "id": fax_id,
        "direction": "received",
        "num_pages": 1,
        "status": "success",
        "is_test": False,
        "created_at": "2026-03-02T17:04:30.000Z",
        "completed_at": "2026-03-02T17:05:00.000Z",
        "from_number": "+15035550100",
        "to_number": "+18669230412",
    }
    return {"fax": json.dumps(fax), "direction": "received", "is_test": "false"}


@pytest.mark.django_db
def test_phaxio_receive_callback_with_its_documented_signature(client, settings):
    form = _phaxio_form()
    signature = phaxio_signature(
        "phaxio-token", settings.MAILROOM_PHAXIO_CALLBACK_URL, form, {"file": PDF}
    )
    response = client.post(
        "/mailroom/fax/phaxio",
        data={**form, "file": SimpleUploadedFile("fax.pdf", PDF, "application/pdf")},
        headers={"X-Phaxio-Signature": signature},
    )
    assert response.status_code == 200, response.content
    item = Item.objects.get()
    assert item.source_id == "phaxio:7001" and item.addressed_to == "+18669230412"
    assert item.received_at == dt.datetime(2026, 3, 2, 17, 5, tzinfo=dt.UTC)
    # a tampered file no longer matches the signature
    response = client.post(
        "/mailroom/fax/phaxio",
        data={**_phaxio_form(7002), "file": SimpleUploadedFile("f.pdf", b"%PDF-evil")},
        headers={"X-Phaxio-Signature": signature},
    )
    assert response.status_code == 401 and Item.objects.count() == 1


@pytest.mark.django_db
def test_faxto_callback_needs_the_url_token_and_keeps_its_uuid(client):
    data = {
        "uuid": "5b1c-77",
        "from": "15035550100",
        "to": "18009952430",
        "time": "2026-03-02T17:05:00Z",
        "pages": "1",
    }
    wrong = client.post(
        "/mailroom/fax/faxto/guessed",
        data={**data, "file": SimpleUploadedFile("fax.pdf", PDF)},
    )
    assert wrong.status_code == 401
    right = client.post(
        "/mailroom/fax/faxto/a-long-random-url-token",
        data={**data, "file": SimpleUploadedFile("fax.pdf", PDF)},
    )
    assert right.status_code == 200
    item = Item.objects.get()
    assert (item.source_id, item.addressed_to) == ("faxto:5b1c-77", "18009952430")
