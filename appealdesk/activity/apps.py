from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "appealdesk.activity"
    label = "activity"
    verbose_name = "Activity notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from appealdesk.activity import notify
        from appealdesk.cases import events

        # told inside the transaction of the case change: the notifications commit with it
        events.subscribe(notify.on_case_events)
