"""Account e-mail (confirmation, password reset, notices) goes through the task queue: a slow
or absent mail server never holds up a page, and a failed send is retried by the worker."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task


@task()
def send_portal_email(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
