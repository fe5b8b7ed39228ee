"""A receiver on 127.0.0.1 that records what it gets and answers as told; a subscription to
it; the immediate task backend, so a delivery is sent when its transaction commits."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from appealdesk.webhooks import outbox
from appealdesk.webhooks.models import EventType, Subscription
from tests.cases.conftest import (  # noqa: F401  (fixtures: the case core's personas)
    _fast_settings,
    member,
    people,
    receive,
    team,
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return self.headers["Appealdesk-Event"]


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to give, then 200s

    def of(self, event_type: str) -> list[Received]:
        return [r for r in self.requests if r.event == event_type]


@pytest.fixture
def receiver():
    server: ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if code < 300 else b"receiver is down")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/appealdesk")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _forget_subscriptions():
    """Each process keeps the subscriptions a few seconds; a rolled-back test's must not leak
    into the next test."""
    yield
    outbox.forget_subscriptions()


@pytest.fixture
def immediate(settings):
    """Tasks run when enqueued (after the commit, with django_capture_on_commit_callbacks)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def subscription(db, receiver):
    return Subscription.objects.create(
        name="claims system", url=receiver.url, events=list(EventType.values)
    )


def verify(secret: str, received: Received, *, tolerance: int = 300) -> bool:
    """What a receiver does (docs/webhooks.md), written here from the documentation."""
    header = received.headers["Appealdesk-Signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])
