from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "appealdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appealdesk.accounts import session_limit

        session_limit.connect()  # every sign-in notes its instant (the absolute limit)
