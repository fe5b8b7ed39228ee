from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "appealdesk.access"
    label = "access"
    verbose_name = "Access and the access log"
    default_auto_field = "django.db.models.BigAutoField"
