from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "appealdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"
    default_auto_field = "django.db.models.BigAutoField"
