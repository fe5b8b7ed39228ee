from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "appealdesk.cases"
    label = "cases"
    verbose_name = "Cases"
