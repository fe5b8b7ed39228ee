"""The Django admin: cases, clocks and a read-only event log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from appealdesk.cases import models as m


class NoAdd:
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnly(NoAdd, admin.ModelAdmin):
    """Changes go through services, never through the admin."""

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ClockInline(NoAdd, admin.TabularInline):
    model = m.Clock
    extra = 0
    can_delete = False
    fields = (
        "clock_id",
        "state",
        "unit",
        "length",
        "starts",
        "started_at",
        "due_at",
        "met_at",
        "calendar",
    )
    readonly_fields = fields


class EventInline(NoAdd, admin.TabularInline):
    model = m.Event
    extra = 0
    can_delete = False
    fields = ("at", "actor_label", "action", "reason", "after")
    readonly_fields = fields
    ordering = ("at", "id")


@admin.register(m.Case)
class CaseAdmin(ReadOnly):
    list_display = (
        "number",
        "program",
        "kind",
        "level",
        "expedited",
        "state",
        "disposition",
        "handler",
        "team",
        "owner",
        "received_at",
        "next_due_at",
    )
    list_filter = ("program", "kind", "state", "disposition", "expedited", "handler", "team")
    search_fields = ("number", "member__name", "member__subscriber_id")
    date_hierarchy = "received_at"
    list_select_related = ("team", "owner")
    inlines = [ClockInline, EventInline]
    ordering = ("next_due_at", "id")
    show_full_result_count = False
    fieldsets = [
        (
            "Request",
            {
                "fields": [
                    "number",
                    "program",
                    "pack",
                    "kind",
                    "level",
                    "expedited",
                    "category",
                    "service",
                    "requested",
                    "channel",
                    "filed_by",
                    "written",
                    "summary",
                ]
            },
        ),
        ("Parties", {"fields": ["member", "representative", "provider"]}),
        (
            "Receipt",
            {
                "fields": [
                    "received_at",
                    "received_date",
                    "created_at",
                    "backdate_reason",
                    "notice_date",
                    "occurrence_date",
                    "duplicate_of",
                ]
            },
        ),
        (
            "Work",
            {
                "fields": [
                    "state",
                    "disposition",
                    "handler",
                    "team",
                    "owner",
                    "reviewer",
                    "provided",
                    "missing",
                    "next_due_at",
                    "next_at_risk_at",
                    "version",
                    "updated_at",
                    "updated_by",
                ]
            },
        ),
        (
            "Decision",
            {
                "fields": [
                    "outcome",
                    "action",
                    "dismissal_reason",
                    "decided_at",
                    "decided_by",
                    "letter_date",
                    "notified_at",
                    "closed_at",
                    "matter",
                    "prior",
                ]
            },
        ),
        (
            "What intake submitted and what assess proposed",
            {"classes": ["collapse"], "fields": ["request", "assessment"]},
        ),
    ]


@admin.register(m.Clock)
class ClockAdmin(ReadOnly):
    list_display = ("case", "clock_id", "state", "unit", "length", "started_at", "due_at", "met_at")
    list_filter = ("clock_id", "state", "unit")
    search_fields = ("case__number",)
    list_select_related = ("case",)
    show_full_result_count = False


@admin.register(m.Event)
class EventAdmin(ReadOnly):
    list_display = ("at", "case", "actor_label", "action", "reason")
    list_filter = ("action",)
    search_fields = ("case__number", "actor_label")
    list_select_related = ("case",)
    show_full_result_count = False


@admin.register(m.PackSnapshot)
class PackSnapshotAdmin(ReadOnly):
    list_display = ("program", "version", "effective_from", "sha256", "stored_at")


@admin.register(m.Extension)
class ExtensionAdmin(ReadOnly):
    list_display = ("clock", "by", "requires", "previous_due_at", "new_due_at", "created_at")


@admin.register(m.Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "subscriber_id", "birth_date", "email", "phone")
    search_fields = ("name", "subscriber_id", "email")
    list_filter = ("role",)


@admin.register(m.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "program", "handler", "skill", "supervisor")


@admin.register(m.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "manager", "administrative_reviewer", "clinical_reviewer")
    filter_horizontal = ("teams",)


admin.site.register(m.Document, ReadOnly)
admin.site.register(m.Authorization)
admin.site.register(m.InformationRequest, ReadOnly)
