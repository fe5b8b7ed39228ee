"""The real workers: Django's db_worker on PostgreSQL, and `appealdesk serve` on the embedded
default starting one beside gunicorn (real processes, a SQLite file)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appealdesk.webhooks.models import Delivery
from tests.conftest import ump
from tests.webhooks.conftest import verify

APPEALDESK = [sys.executable, "-m", "appealdesk.cli"]
WORKER = ("db_worker", "--batch", "--no-startup-delay", "--no-reload")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_worker_delivers_and_retries(subscription, receiver, receive):
    """On PostgreSQL: the case commits with its delivery, the task row follows; one worker pass
    sends it, a 500 leaves a retry task for later, the next pass after it delivers."""
    if connection.vendor != "postgresql":
        pytest.skip("db_worker needs committed rows: a transactional test, run on PostgreSQL")
    receiver.answers = [500]
    receive()
    assert DBTaskResult.objects.ready().count() == 1
    call_command(*WORKER, verbosity=0)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == delivery.next_attempt_at  # not ready: the pass ended without it

    # time passes (moved here rather than waited for)
    past = timezone.now()
    Delivery.objects.update(next_attempt_at=past)
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=past)
    call_command(*WORKER, verbosity=0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [r.event for r in receiver.requests] == ["case.received", "case.received"]
    assert all(verify(subscription.secret, r) for r in receiver.requests)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_serve_on_the_embedded_default_delivers_with_its_worker(tmp_path: Path, receiver):
    """`./dev up` runs `appealdesk serve`: its worker sends webhooks, and stops with it."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        APPEALDESK_DATA_DIR=str(tmp_path / "data"), APPEALDESK_ADMIN_PASSWORD="x-test-p4ss-12"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*APPEALDESK, *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done

    run("init")
    request = ump(received_at=timezone.now().isoformat(), notice_date="2026-10-01")
    run(
        "manage",
        "shell",
        "-c",
        "import json; from appealdesk.cases.services import case_receive; "
        "from appealdesk.webhooks.models import Subscription; "
        f"Subscription.objects.create(name='t', url={receiver.url!r}, events=['case.received']); "
        f"case_receive(request=json.loads({json.dumps(request)!r}))",
    )
    server = subprocess.Popen(
        [*APPEALDESK, "serve", "--port", str(free_port()), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        for _ in range(150):
            if receiver.requests:
                break
            time.sleep(0.1)
        [got] = receiver.requests
        assert got.event == "case.received" and got.json["case"]["program"] == "ump"
        children = [
            int(p)
            for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        ]
        assert len(children) == 2  # gunicorn and the worker
    finally:
        server.terminate()  # only the process this test started
        server.wait(timeout=30)
    assert server.returncode == 0
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
