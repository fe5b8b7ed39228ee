"""The admin: subscriptions (the signing secret is shown once, when made or renewed) and the
delivery log, read-only, with replay."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from appealdesk.webhooks import models as m
from appealdesk.webhooks.tasks import deliveries_replay


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500, assume_scheme="https", help_text="http(s) address that receives the POSTs"
    )
    events = forms.MultipleChoiceField(
        choices=m.EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = m.Subscription
        fields = ("name", "url", "events", "active")

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("an http:// or https:// address")
        return url


@admin.register(m.Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("name", "url", "event_list", "active", "created_at", "created_by")
    list_filter = ("active",)
    readonly_fields = ("created_at", "created_by")
    actions = ["renew_secret"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # made inactive instead: its deliveries are the log, and other processes may still
        # hold it for a few seconds (outbox.SUBSCRIPTIONS_TTL)
        return False

    @admin.display(description="events")
    def event_list(self, obj: m.Subscription) -> str:
        return ", ".join(obj.events)

    def save_model(
        self, request: HttpRequest, obj: m.Subscription, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        if not change:
            self._show_secret(request, obj)

    def _show_secret(self, request: HttpRequest, obj: m.Subscription) -> None:
        self.message_user(
            request,
            f"Signing secret of {obj.name}: {obj.secret} (give it to the receiver now; it is "
            "not shown again, renew it to get a new one)",
            messages.WARNING,
        )

    @admin.action(description="Renew the signing secret (shown once)")
    def renew_secret(self, request: HttpRequest, queryset: QuerySet[m.Subscription]) -> None:
        for obj in queryset:
            obj.secret = m.new_secret()
            obj.save(update_fields=["secret"])
            self.log_change(request, obj, "renewed the signing secret")
            self._show_secret(request, obj)


class AttemptInline(admin.TabularInline):
    model = m.DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("cycle", "number", "started_at", "duration_ms", "status_code", "error", "response")
    readonly_fields = fields
    ordering = ("cycle", "number")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: deliveries are written by the outbox and the worker; replay sends again."""

    list_display = (
        "id",
        "event_type",
        "event_id",
        "subscription",
        "status",
        "cycle",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "event_type", "subscription")
    search_fields = ("event_id", "payload__case__number")
    list_select_related = ("subscription",)
    date_hierarchy = "created_at"
    ordering = ("-id",)
    show_full_result_count = False
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(
        description="Replay: send the selected deliveries again (a new cycle)",
        permissions=["replay"],
    )
    def replay(self, request: HttpRequest, queryset: QuerySet[m.Delivery]) -> HttpResponse | None:
        chosen = list(queryset.select_related("subscription"))
        inactive = [d for d in chosen if not d.subscription.active]
        queued = deliveries_replay([d.pk for d in chosen if d.subscription.active])
        for delivery in chosen:
            if delivery.subscription.active:
                self.log_change(request, delivery, f"replayed (cycle {delivery.cycle + 1})")
        self.message_user(request, f"{queued} deliveries queued again", messages.SUCCESS)
        if inactive:
            self.message_user(
                request,
                f"{len(inactive)} not replayed: their subscription is inactive",
                messages.WARNING,
            )
        return None
