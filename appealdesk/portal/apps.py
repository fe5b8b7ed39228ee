from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "appealdesk.portal"
    label = "portal"
    verbose_name = "Member and provider portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appealdesk.portal import notify

        notify.connect()
