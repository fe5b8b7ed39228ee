from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "appealdesk.desk"
    label = "desk"
    verbose_name = "Staff desk"
    default_auto_field = "django.db.models.BigAutoField"
