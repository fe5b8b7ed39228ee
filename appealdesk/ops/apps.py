from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "appealdesk.ops"
    label = "ops"
    verbose_name = "operations"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from appealdesk.ops.logs import forget_request_id

        request_finished.connect(forget_request_id, dispatch_uid="appealdesk.ops.request_id")
