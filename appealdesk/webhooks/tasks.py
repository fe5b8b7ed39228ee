"""Sending deliveries: the task the queue runs, its retries, the safety net and replays.

A delivery is claimed with a conditional UPDATE (pending, due → a claim token and a lease), so
two workers never send it at once; a worker that dies mid-send leaves a lease that runs out,
and the safety net queues the delivery again. Receivers get each delivery at least once: the
`Appealdesk-Delivery` header (and the event id in the body) lets them drop a repeat.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from appealdesk.webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
# after attempt n the next one waits FIRST_RETRY * 4**(n-1): 30 s, 2 min, 8 min, 32 min, 2 h 8,
# 8 h 32, 34 h; the eighth attempt comes about 45 hours after the first
FIRST_RETRY = dt.timedelta(seconds=30)
BACKOFF_FACTOR = 4
# a claimed delivery is someone's for this long (a send takes at most a few timeouts)
CLAIM_LEASE = dt.timedelta(minutes=5)
# a pending delivery this late has lost its task (process died before queueing it, worker died
# mid-send, a backend without delayed tasks): the safety net queues it again
OVERDUE_GRACE = dt.timedelta(minutes=1)
RESPONSE_KEPT = 500  # characters of the receiver's answer kept in the log
USER_AGENT = "appealdesk-webhooks/1"


@task()
def deliver(delivery_id: int) -> str:
    """The queue's task: one attempt at one delivery."""
    return delivery_send(delivery_id)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Appealdesk-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" keyed with the subscription's secret>`."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return FIRST_RETRY * BACKOFF_FACTOR ** (attempts - 1)


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    response: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delivery_send(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Claim the delivery if it is due, POST it once, log the attempt and schedule the next one
    (or give up after MAX_ATTEMPTS). Returns the delivery's status, or "not due" when there was
    nothing to do (already sent, failed, not yet due, or another worker has it)."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(claim=token, attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_LEASE)
    if not claimed:
        return "not due"
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    started = time.monotonic()
    if delivery.subscription.active:
        answer = _post(delivery)
    else:
        answer = Answer(None, error="not sent: the subscription is inactive")
    duration_ms = round((time.monotonic() - started) * 1000)
    return _finish(delivery, token, answer, now=now, duration_ms=duration_ms)


def _post(delivery: Delivery) -> Answer:
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Appealdesk-Event": delivery.event_type,
        "Appealdesk-Delivery": str(delivery.pk),
        "Appealdesk-Signature": signature(subscription.secret, int(time.time()), body),
    }
    # http.client rather than urllib: no redirects followed (a 3xx is a failure), no proxies
    # from the environment, and nothing but http and https
    url = urlsplit(subscription.url)
    if url.scheme not in ("http", "https") or not url.hostname:
        return Answer(None, error=f"not sent: {subscription.url!r} is not an http(s) address")
    connection_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(url.hostname, url.port, timeout=TIMEOUT_SECONDS)
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(RESPONSE_KEPT * 4).decode("utf-8", "replace")[:RESPONSE_KEPT]
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}"[:RESPONSE_KEPT])
    finally:
        connection.close()
    error = "" if 200 <= response.status < 300 else f"HTTP {response.status} {response.reason}"
    return Answer(response.status, response=text, error=error)


def _finish(
    delivery: Delivery, token: str, answer: Answer, *, now: dt.datetime, duration_ms: int
) -> str:
    changes: dict[str, Any] = {
        "claim": "",
        "last_status_code": answer.status_code,
        "last_error": answer.error,
    }
    if answer.ok:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif delivery.attempts >= MAX_ATTEMPTS or not delivery.subscription.active:
        changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    else:
        changes.update(next_attempt_at=now + backoff(delivery.attempts))
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            cycle=delivery.cycle,
            number=delivery.attempts,
            started_at=now,
            duration_ms=duration_ms,
            status_code=answer.status_code,
            error=answer.error,
            response=answer.response,
        )
        # only the claim's owner settles it: a replay in the meantime started a new cycle
        settled = Delivery.objects.filter(pk=delivery.pk, claim=token).update(**changes)
        retry_at = changes.get("next_attempt_at")
        if settled and retry_at is not None:
            transaction.on_commit(partial(deliveries_enqueue, [delivery.pk], retry_at), robust=True)
    status = changes.get("status", DeliveryStatus.PENDING)
    log.info(
        "webhook delivery %s (%s to subscription %s), attempt %s.%s: %s in %s ms -> %s",
        delivery.pk,
        delivery.event_type,
        delivery.subscription_id,
        delivery.cycle,
        delivery.attempts,
        answer.status_code or answer.error,
        duration_ms,
        status if settled else "superseded by a replay",
    )
    return str(status)


def deliveries_enqueue(ids: Iterable[int], run_after: dt.datetime | None = None) -> None:
    """A task per delivery. A backend without delayed tasks (the immediate one) gets no retry
    tasks: the safety net sends those when they are due."""
    job = deliver
    if run_after is not None:
        if not job.get_backend().supports_defer:
            return
        job = deliver.using(run_after=run_after)
    for pk in ids:
        job.enqueue(pk)


def deliveries_requeue_overdue(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """The safety net: queue again pending deliveries whose attempt is overdue (their task was
    lost). A task too many does no harm: the claim lets only one send."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now - OVERDUE_GRACE
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    deliveries_enqueue(ids)
    if ids:
        log.info("webhooks: %d overdue deliveries queued again", len(ids))
    return len(ids)


def deliveries_replay(ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Send deliveries again as a new cycle (attempts from zero, the log kept); deliveries of
    inactive subscriptions are left alone. How many were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        chosen = list(
            Delivery.objects.filter(pk__in=list(ids), subscription__active=True).values_list(
                "pk", flat=True
            )
        )
        Delivery.objects.filter(pk__in=chosen).update(
            status=DeliveryStatus.PENDING,
            cycle=F("cycle") + 1,
            attempts=0,
            next_attempt_at=now,
            claim="",
            last_status_code=None,
            last_error="",
            delivered_at=None,
        )
        transaction.on_commit(partial(deliveries_enqueue, chosen), robust=True)
    return len(chosen)


def safety_net_start(every_seconds: float) -> threading.Event:
    """Run `deliveries_requeue_overdue` every `every_seconds` in a daemon thread (beside the
    worker); set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_seconds):
            try:
                deliveries_requeue_overdue()
            except Exception:  # the next round tries again; the worker must keep running
                log.exception("webhooks: the safety net failed")
            finally:
                connections.close_all()

    threading.Thread(target=loop, name="webhooks-safety-net", daemon=True).start()
    return stop
