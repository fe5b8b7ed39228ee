from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "appealdesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from appealdesk.cases import events
        from appealdesk.webhooks import outbox
        from appealdesk.webhooks.models import Subscription

        # what happens to cases, told inside the transaction of the change: the deliveries
        # commit with it (cases.events)
        events.subscribe(outbox.on_case_events)
        for signal in (post_save, post_delete):
            signal.connect(outbox.forget_subscriptions, sender=Subscription)
