from django.apps import AppConfig


class MailroomConfig(AppConfig):
    name = "appealdesk.mailroom"
    label = "mailroom"
    verbose_name = "Mailroom"
    default_auto_field = "django.db.models.BigAutoField"
