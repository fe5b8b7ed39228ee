"""Subscriptions, the outbox of deliveries and the log of every attempt to send one."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EventType(models.TextChoices):
    CASE_RECEIVED = "case.received", "case.received: a request was taken in"
    CLOCK_AT_RISK = "clock.at_risk", "clock.at_risk: a deadline is near (the pack's at-risk share)"
    CLOCK_MISSED = "clock.missed", "clock.missed: a deadline passed unmet"
    CASE_DECIDED = "case.decided", "case.decided: a decision was recorded"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(32)


class Subscription(models.Model):
    """A receiver: where to POST which events, and the secret that signs them."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text="http(s) address that receives the POSTs")
    # kept in the clear: every delivery is signed with it (HMAC needs the secret itself)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    events = models.JSONField(default=list, help_text="event types sent to this receiver")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(models.Model):
    """One event for one subscription: written in the transaction of the case change (the
    outbox), then sent by the task queue until the receiver answers 2xx or attempts run out."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    # the cases.Event id, or for clock.at_risk (no event row) "clock-<id>-at-risk-<due unix>"
    event_id = models.CharField(max_length=80)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="attempts in this cycle")
    cycle = models.PositiveIntegerField(default=1, help_text="1, plus one per replay")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # the attempt in flight: set by the conditional UPDATE that claims the delivery, so two
    # workers never send it at once and a late answer of a replaced attempt changes nothing
    claim = models.CharField(max_length=32, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_type", "event_id"], name="one_delivery_per_event"
            ),
        ]
        indexes = [
            # the safety net: pending deliveries whose time has come
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_due",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per POST, whatever came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    cycle = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response = models.TextField(blank=True, help_text="the start of the receiver's answer")

    class Meta:
        ordering = ["delivery", "cycle", "number"]

    def __str__(self) -> str:
        return f"attempt {self.cycle}.{self.number}: {self.status_code or self.error}"
