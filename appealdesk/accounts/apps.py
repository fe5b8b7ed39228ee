from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "appealdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appealdesk.accounts import session_limit

        session_limit.connect()  # every sign-in notes its instant (the absolute limit)
        from django.contrib.auth.signals import user_logged_in

        from appealdesk.accounts.sso import local

        # single sign-on sessions noted for their check; password sign-ins (break-glass) logged
        user_logged_in.connect(local.on_login, dispatch_uid="appealdesk.accounts.sso.on_login")
