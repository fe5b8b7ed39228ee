"""Outgoing webhooks: each event type reaches a receiver on 127.0.0.1 once, signed; failures
are retried with backoff; replay sends again; the safety net finds lost tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appealdesk.cases import services as sv
from appealdesk.cases.models import Event
from appealdesk.webhooks import outbox, tasks
from appealdesk.webhooks.models import Delivery, DeliveryAttempt, Subscription
from tests.cases.conftest import NOW
from tests.webhooks.conftest import verify

pytestmark = pytest.mark.django_db
D = dt.timedelta(days=1)
S = dt.timedelta(seconds=1)


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run the block, then what it queued for after its commit (the deliveries)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def test_case_received_is_posted_once_signed_with_the_case(
    immediate, subscription, receiver, receive, sent
):
    case = sent(receive)
    [got] = receiver.requests
    delivery = Delivery.objects.get()
    event = Event.objects.get(case=case, action="case.received")
    assert got.path == "/hooks/appealdesk"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Appealdesk-Event"] == "case.received"
    assert got.headers["Appealdesk-Delivery"] == str(delivery.pk)
    assert verify(subscription.secret, got)
    assert not verify("whsec_someone-else", got)
    assert got.json == {
        "id": str(event.pk),
        "type": "case.received",
        "occurred_at": NOW.isoformat(),
        "case": {
            "number": case.number,
            "program": "ump",
            "kind": "appeal",
            "level": 1,
            "state": "received",
        },
        "data": event.after,
    }
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.delivered_at is not None
    [attempt] = DeliveryAttempt.objects.all()
    assert (attempt.status_code, attempt.response, attempt.number) == (200, "ok", 1)


def test_a_tampered_or_stale_signature_does_not_verify(
    immediate, subscription, receiver, receive, sent
):
    sent(receive)
    [got] = receiver.requests
    got.body = got.body.replace(b'"ump"', b'"pebb"')
    assert not verify(subscription.secret, got)
    assert not verify(subscription.secret, receiver.requests[0], tolerance=-1)


def test_case_decided_is_posted(immediate, subscription, receiver, receive, people, sent):
    case = sent(receive)
    sent(sv.case_assign, case, actor=people["bob"], reviewer=people["carol"], now=NOW)
    sent(
        sv.case_decide,
        case,
        actor=people["carol"],
        outcome="overturned",
        decided_at=NOW + D,
        now=NOW + D,
    )
    assert [r.event for r in receiver.requests] == ["case.received", "case.decided"]
    decided = receiver.of("case.decided")[0].json
    assert decided["case"]["state"] == "decided"
    assert decided["data"]["outcome"] == "overturned"
    assert decided["id"] == str(Event.objects.get(case=case, action="case.decided").pk)


def test_clocks_refresh_posts_missed_and_at_risk_once(
    immediate, subscription, receiver, receive, sent
):
    case = sent(receive)
    # the 72-hour acknowledgement has passed; nothing is at risk yet
    first = sent(sv.clocks_refresh, now=NOW + 4 * D)
    assert (first["missed"], first["at_risk_notified"]) == (1, 0)
    [missed] = receiver.of("clock.missed")
    assert missed.json["data"]["clock"] == "acknowledge"
    assert missed.json["id"] == str(Event.objects.get(case=case, action="clock.missed").pk)
    assert missed.json["case"]["number"] == case.number
    assert verify(subscription.secret, missed)
    # day 12: the 14-day decision target is past 80 % of its time
    later = sent(sv.clocks_refresh, now=NOW + 12 * D)
    assert (later["missed"], later["at_risk"], later["at_risk_notified"]) == (0, 1, 1)
    [at_risk] = receiver.of("clock.at_risk")
    assert at_risk.json["data"]["clock"] == "decision_target"
    assert at_risk.json["occurred_at"] == (NOW + 12 * D).isoformat()
    assert at_risk.json["id"].startswith("clock-")
    # a second pass announces nothing again; the clock is still counted as at risk
    again = sent(sv.clocks_refresh, now=NOW + 12 * D + 1 * S)
    assert (again["missed"], again["at_risk"], again["at_risk_notified"]) == (0, 1, 0)
    assert [r.event for r in receiver.requests] == [
        "case.received",
        "clock.missed",
        "clock.at_risk",
    ]
    assert Delivery.objects.filter(status="delivered").count() == 3


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    immediate, subscription, receiver, receive, sent
):
    receiver.answers = [500, 503]
    sent(receive)
    delivery = Delivery.objects.get()
    first = DeliveryAttempt.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert delivery.next_attempt_at == first.started_at + 30 * S
    assert first.response == "receiver is down"

    # not due yet: nothing is sent
    assert tasks.delivery_send(delivery.pk, now=delivery.next_attempt_at - S) == "not due"
    assert len(receiver.requests) == 1

    due = delivery.next_attempt_at
    assert tasks.delivery_send(delivery.pk, now=due) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_status_code == 503
    assert delivery.next_attempt_at == due + 2 * 60 * S  # 30 s, then 2 minutes, 8, 32…

    assert tasks.delivery_send(delivery.pk, now=delivery.next_attempt_at) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("delivered", 3, None)
    # the same delivery each time: same id, same body, each signed anew
    assert {r.headers["Appealdesk-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
    assert len({r.body for r in receiver.requests}) == 1
    assert all(verify(subscription.secret, r) for r in receiver.requests)
    assert list(delivery.log.values_list("number", "status_code")) == [
        (1, 500),
        (2, 503),
        (3, 200),
    ]
    assert tasks.delivery_send(delivery.pk) == "not due"  # delivered stays delivered


def test_backoff_schedule():
    waits = [tasks.backoff(n) for n in range(1, tasks.MAX_ATTEMPTS)]
    assert waits[:4] == [30 * S, 120 * S, 480 * S, 1920 * S]
    assert dt.timedelta(hours=40) < sum(waits, dt.timedelta()) < dt.timedelta(hours=48)


def test_after_the_last_attempt_the_delivery_has_failed(
    immediate, subscription, receiver, receive, sent
):
    receiver.answers = [500] * tasks.MAX_ATTEMPTS
    sent(receive)
    delivery = Delivery.objects.get()
    while delivery.status == "pending":
        tasks.delivery_send(delivery.pk, now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == tasks.MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == tasks.MAX_ATTEMPTS


def test_an_unreachable_receiver_is_logged_and_retried(immediate, subscription, receive, sent):
    subscription.url = "http://127.0.0.1:9/nobody-listens"  # the discard port, closed here
    subscription.save()
    sent(receive)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error


def test_retries_wait_in_the_database_queue(subscription, receiver, receive, sent):
    """With the project's backend (django-tasks-db) every attempt is a task row; a retry is one
    with run_after at the delivery's next attempt."""
    receiver.answers = [500]
    sent(receive)
    delivery = Delivery.objects.get()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "appealdesk.webhooks.tasks.deliver"
    assert queued.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert queued.status == "READY" and receiver.requests == []

    sent(queued.task.call, *queued.args_kwargs["args"])  # what the worker runs
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and len(receiver.requests) == 1
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.status == "READY" and retry.run_after == delivery.next_attempt_at
    assert not DBTaskResult.objects.ready().filter(pk=retry.pk).exists()  # not before its time


def test_replay_from_the_admin_sends_again_as_a_new_cycle(
    immediate, subscription, receiver, receive, sent, client, settings
):
    settings.MFA = "optional"
    sent(receive)
    delivery = Delivery.objects.get()
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-test-pass")
    client.force_login(admin)
    page = client.get("/admin/webhooks/delivery/?status__exact=delivered")
    assert page.status_code == 200 and "case.received" in page.content.decode()
    number = delivery.payload["case"]["number"]
    found = client.get("/admin/webhooks/delivery/", {"q": number})
    assert f"/admin/webhooks/delivery/{delivery.pk}/change/" in found.content.decode()
    assert (
        "0 deliveries" in client.get("/admin/webhooks/delivery/", {"q": "nothing"}).content.decode()
    )
    assert client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").status_code == 200
    response = sent(
        client.post,
        "/admin/webhooks/delivery/",
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "1 deliveries queued again" in response.content.decode()
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.cycle, delivery.attempts) == ("delivered", 2, 1)
    assert list(delivery.log.values_list("cycle", "number")) == [(1, 1), (2, 1)]
    assert LogEntry.objects.get(object_id=str(delivery.pk)).change_message == ("replayed (cycle 2)")


def test_replay_leaves_deliveries_of_inactive_subscriptions(
    immediate, subscription, receiver, receive, sent
):
    sent(receive)
    Subscription.objects.update(active=False)
    assert sent(tasks.deliveries_replay, list(Delivery.objects.values_list("pk", flat=True))) == 0
    assert len(receiver.requests) == 1


def test_no_delivery_for_an_inactive_subscription_or_an_event_not_asked_for(
    immediate, subscription, receiver, receive, sent
):
    subscription.active = False
    subscription.save()
    Subscription.objects.create(name="decisions only", url=receiver.url, events=["case.decided"])
    sent(receive)
    assert Delivery.objects.count() == 0 and receiver.requests == []


def test_a_subscription_made_inactive_after_queueing_is_not_sent(
    subscription, receiver, receive, sent
):
    sent(receive)  # queued in the database backend, not yet run
    Subscription.objects.update(active=False)
    delivery = Delivery.objects.get()
    assert tasks.delivery_send(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error == "not sent: the subscription is inactive"
    assert receiver.requests == []


def test_the_safety_net_sends_deliveries_whose_task_was_lost(
    immediate, subscription, receiver, receive
):
    receive()  # committed in the test's transaction, its after-commit queueing never ran
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and receiver.requests == []
    assert tasks.deliveries_requeue_overdue() == 0  # within the grace period: its task may run
    later = timezone.now() + tasks.OVERDUE_GRACE + S
    Delivery.objects.update(next_attempt_at=later - tasks.OVERDUE_GRACE - S)
    assert tasks.deliveries_requeue_overdue(now=later) == 1
    assert [r.event for r in receiver.requests] == ["case.received"]


def test_two_workers_never_send_one_delivery_twice(subscription, receiver, receive, sent):
    sent(receive)
    delivery = Delivery.objects.get()
    # a worker claimed it and is sending (its lease holds the delivery)
    Delivery.objects.filter(pk=delivery.pk).update(
        claim="other-worker", next_attempt_at=timezone.now() + tasks.CLAIM_LEASE
    )
    assert tasks.delivery_send(delivery.pk) == "not due"
    assert receiver.requests == []


def test_an_attempt_overtaken_by_a_replay_does_not_settle_it(
    immediate, subscription, receiver, receive, sent
):
    receiver.answers = [500]
    sent(receive)
    delivery = Delivery.objects.select_related("subscription").get()
    # the first attempt's answer arrives after a replay started a new cycle
    tasks.deliveries_replay([delivery.pk])
    stale = tasks.Answer(200)
    tasks._finish(delivery, "an-old-claim", stale, now=timezone.now(), duration_ms=5)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.cycle == 2


def test_the_subscription_admin_shows_the_secret_once(client, settings, receiver, db):
    settings.MFA = "optional"
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-test-pass")
    client.force_login(admin)
    response = client.post(
        "/admin/webhooks/subscription/add/",
        {"name": "claims", "url": receiver.url, "events": ["case.received", "clock.missed"]},
        follow=True,
    )
    subscription = Subscription.objects.get()
    assert subscription.events == ["case.received", "clock.missed"]
    assert subscription.created_by == admin and subscription.secret.startswith("whsec_")
    assert subscription.secret in response.content.decode()
    page = client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert subscription.secret not in page.content.decode()
    assert client.post(f"/admin/webhooks/subscription/{subscription.pk}/delete/").status_code == 403
    refused = client.post(
        "/admin/webhooks/subscription/add/",
        {"name": "files", "url": "file:///etc/passwd", "events": ["case.received"]},
    )
    assert refused.status_code == 200 and Subscription.objects.count() == 1


def test_intake_reads_the_subscriptions_once_per_process_for_a_few_seconds(
    subscription, receive, django_assert_num_queries, monkeypatch
):
    receive()  # reads them
    with django_assert_num_queries(0):
        outbox._subscribers({"case.received"})
    monkeypatch.setattr(outbox, "SUBSCRIPTIONS_TTL", -1.0)  # time passes
    with django_assert_num_queries(1):
        outbox._subscribers({"case.received"})
    Subscription.objects.create(name="later", url=subscription.url, events=["case.received"])
    monkeypatch.setattr(outbox, "SUBSCRIPTIONS_TTL", 3600.0)
    receive()  # a change saved in this process is seen at once
    assert Delivery.objects.filter(subscription__name="later").count() == 1
