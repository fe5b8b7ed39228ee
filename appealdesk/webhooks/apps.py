from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "appealdesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from appealdesk.cases.models import Event
        from appealdesk.webhooks import outbox
        from appealdesk.webhooks.models import Subscription

        # case.received and case.decided are single events written by the services; their
        # deliveries join the service's transaction (clocks_refresh calls the outbox itself)
        post_save.connect(outbox.on_event_saved, sender=Event, dispatch_uid="webhooks.outbox")
        for signal in (post_save, post_delete):
            signal.connect(outbox.forget_subscriptions, sender=Subscription)
