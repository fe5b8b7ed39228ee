from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "appealdesk.api"
    label = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appealdesk.api import keycache

        keycache.connect()  # a key's remembered resolution is forgotten when it changes
