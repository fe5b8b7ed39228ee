"""Operations endpoints (issue 19, item 5): /healthz answers without the database, /readyz
checks the database, the file storage and the task queue, /metrics is Prometheus's text
format behind a token; every answer carries its request id."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appealdesk.activity.digest import send_digests
from appealdesk.cases import services as sv
from appealdesk.cases.models import Clock, ClockState
from appealdesk.mailroom.services import item_store
from appealdesk.objectstore import s3_storage
from tests.correspondence.test_sending import recent_appeal

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-the-test"


def metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in Prometheus's text format."""
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert found, f"{name}{labels} not in the metrics"
    return float(found.group(1))


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert re.fullmatch(r"[0-9a-f]{32}", answer["X-Request-ID"])


def test_a_request_id_is_kept_when_plain_and_replaced_when_not(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42").get("X-Request-ID") == (
        "lb-7f3a.42"
    )
    forged = 'x" ,"level":"ERROR'
    kept = client.get("/healthz", HTTP_X_REQUEST_ID=forged)["X-Request-ID"]
    assert kept != forged and re.fullmatch(r"[0-9a-f]{32}", kept)


def test_readyz_checks_database_storage_and_queue(client, settings):
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.json()
    checks = answer.json()["checks"]
    assert set(checks) == {"database", "storage", "task_queue"}
    assert all(c["ok"] for c in checks.values()) and checks["task_queue"]["depth"] == 0


def test_readyz_fails_on_a_task_queue_nobody_works(client, settings):
    settings.READY_QUEUE_MAX_AGE_SECONDS = 300
    send_digests.enqueue()
    assert client.get("/readyz").status_code == 200  # just queued
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=6))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    queue = answer.json()["checks"]["task_queue"]
    assert not queue["ok"] and "are the workers running" in queue["error"]


def test_readyz_fails_when_the_storage_cannot_be_reached(client, settings):
    from tests.mailbox import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    storage = s3_storage(
        {
            "APPEALDESK_S3_BUCKET": "gone",
            "APPEALDESK_S3_ENDPOINT_URL": closed,
            "APPEALDESK_S3_ACCESS_KEY_ID": "x",
            "APPEALDESK_S3_SECRET_ACCESS_KEY": "x",
            "APPEALDESK_S3_REGION": "us-east-1",
        }
    )
    from botocore.config import Config

    storage["OPTIONS"]["client_config"] = Config(retries={"max_attempts": 1}, connect_timeout=1)
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    answer = client.get("/readyz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"]["ok"] and not checks["storage"]["ok"]
    assert "EndpointConnectionError" in checks["storage"]["error"]


def test_metrics_are_off_without_a_token_and_refused_with_a_wrong_one(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_metrics_show_latency_queue_sweep_clocks_and_mailroom(client, settings, cases):
    settings.METRICS_TOKEN = TOKEN
    now = timezone.now()
    case = recent_appeal(cases)
    other = recent_appeal(cases)
    sv.clocks_sweep()  # nothing due yet: the sweep's finish is the lag's start
    # one clock past its at-risk point, one past due and not swept, one missed
    live = list(case.clocks.filter(state__in=[ClockState.RUNNING, ClockState.EXTENDED]))
    assert len(live) >= 2
    Clock.objects.filter(pk=live[0].pk).update(
        at_risk_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=1)
    )
    Clock.objects.filter(pk=live[1].pk).update(due_at=now - dt.timedelta(minutes=5))
    Clock.objects.filter(case=other).update(state=ClockState.MISSED)
    missed = Clock.objects.filter(state=ClockState.MISSED).count()
    send_digests.enqueue()
    item_store(
        source="fax",
        raw=b"%PDF-1.4\n% a faxed appeal\n%%EOF\n",
        received_at=now - dt.timedelta(hours=2),
        received_basis="the fax's timestamp",
    )
    client.get("/healthz")
    answer = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    healthz = '{method="GET",route="healthz",status="200"}'
    assert metric(text, "appealdesk_request_seconds_count", healthz) >= 1
    assert metric(text, "appealdesk_task_queue_depth") == 1
    assert 0 <= metric(text, "appealdesk_task_queue_oldest_seconds") < 60
    assert 0 <= metric(text, "appealdesk_sweep_lag_seconds") < 60
    assert metric(text, "appealdesk_clocks_at_risk") >= 1
    assert metric(text, "appealdesk_clocks_overdue_unmarked") == 1
    assert metric(text, "appealdesk_clocks_missed") == missed > 0
    assert metric(text, "appealdesk_mailroom_backlog", '{state="new"}') == 1
    assert 7000 < metric(text, "appealdesk_mailroom_oldest_seconds") < 7300
    assert "Pat Doe" not in text and "W1234567" not in text
