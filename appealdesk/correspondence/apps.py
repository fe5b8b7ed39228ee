from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "appealdesk.correspondence"
    label = "correspondence"
    verbose_name = "Letters"
    default_auto_field = "django.db.models.BigAutoField"
