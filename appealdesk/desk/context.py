from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from appealdesk.access import roles
from appealdesk.activity.selectors import unread_count
from appealdesk.desk.mailroom_reads import waiting_count
from appealdesk.desk.middleware import mfa_pending

SECTIONS = {"worklist": "worklist", "intake": "intake", "dashboard": "dashboard"}
SECTIONS |= {"letter_queue": "letters"}
SECTIONS |= {name: "outbox" for name in ("outbox", "outbox_message")}
SECTIONS |= {name: "privacy" for name in ("privacy", "privacy_review", "privacy_member")}
SECTIONS |= {name: "mailroom" for name in ("mailroom", "mailroom_item", "mailroom_upload")}
REPORT_PAGES = {
    "report_timeliness",
    "report_volumes",
    "report_aging",
    "report_public",
    "report_universe",
    "report_cases",
}
ADMIN_PAGES = {"packs", "pack", "calendar", "people", "letter_templates", "letter_template"}
ADMIN_PAGES |= {"rationale_templates"}


def desk(request: HttpRequest) -> dict[str, Any]:
    """What every desk page needs: the user's roles (for the menu) and the MFA mode."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/desk/"):
        return {"mfa_mode": settings.MFA}
    mine = roles.roles_of(user)
    name = getattr(request.resolver_match, "url_name", "") or ""
    return {
        "nav": SECTIONS.get(
            name, "admin" if name in ADMIN_PAGES else "reports" if name in REPORT_PAGES else ""
        ),
        "mfa_pending": mfa_pending(request),
        "mfa_mode": settings.MFA,
        "desk_roles": sorted(roles.ROLES[r] for r in mine),
        "can_receive": roles.may(user, "receive"),
        "can_supervise": roles.SUPERVISOR in mine or roles.ADMINISTRATOR in mine,
        "can_administer": roles.ADMINISTRATOR in mine,
        "can_privacy": roles.may(user, "privacy"),
        "outbox_on": settings.EMAIL_BACKEND.endswith("OutboxBackend") and roles.may(user, "outbox"),
        # "Mailroom (N)": one count of the items waiting for the user's programs
        "mailroom_waiting": waiting_count(user) if roles.may(user, "mailroom") else None,
        # one indexed count per page (notification_unread)
        "unread_notifications": unread_count(user),
    }
