from django.apps import AppConfig


class MailroomConfig(AppConfig):
    name = "appealdesk.mailroom"
    label = "mailroom"
    verbose_name = "Mailroom"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        try:
            from anymail.signals import inbound
        except ImportError:  # django-anymail is optional: only those using an inbound service
            return
        from appealdesk.mailroom.inbound_email import on_inbound

        inbound.connect(on_inbound, dispatch_uid="mailroom.anymail_inbound")
