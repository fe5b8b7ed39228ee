from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "appealdesk.desk"
    label = "desk"
    verbose_name = "Staff desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appealdesk.desk import session_limit

        session_limit.connect()  # every sign-in notes its instant (the absolute limit)
