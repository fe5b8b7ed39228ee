"""Outgoing webhooks: subscriptions, an outbox of deliveries written with the case change,
signed POSTs sent by the task queue with retries, and a delivery log (docs/webhooks.md)."""
