"""The Django admin needs what the desk needs: a staff member who signed in through the desk
(throttled) and confirmed the second factor where the installation requires it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class VerifiedAdminSite(admin.AdminSite):
    site_header = "appealdesk administration"
    site_title = "appealdesk"
    site_url = "/desk/"

    def has_permission(self, request: HttpRequest) -> bool:
        verified = settings.MFA != "required" or request.user.is_verified()  # type: ignore[union-attr]
        return super().has_permission(request) and verified


class VerifiedAdminConfig(AdminConfig):
    default_site = "appealdesk.admin_site.VerifiedAdminSite"
