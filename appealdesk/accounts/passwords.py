"""Password reset by e-mail, for portal accounts (staff reset theirs through an administrator)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm

from appealdesk.accounts import mail_limit
from appealdesk.accounts.tasks import send_portal_email


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its e-mail sent by the task queue (never inside the request)."""

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_portal_email.enqueue(to_email, subject, body)

    def save(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # counted whether or not the address has an account, before looking it up, so the
        # limit says nothing about which addresses do; past it, the same "sent" page follows
        request = kwargs.get("request")
        if request is not None and not mail_limit.allow(
            request, self.cleaned_data["email"], "password reset"
        ):
            return
        super().save(*args, **kwargs)

    def get_users(self, email: str) -> Any:
        # portal accounts only: staff reset their passwords through an administrator
        return [u for u in super().get_users(email) if not u.is_staff and hasattr(u, "portal")]
