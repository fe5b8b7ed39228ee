"""E-mail from an e-mail service's inbound webhook (Mailgun, Postmark, Amazon SES, Brevo…)
through django-anymail's `inbound` signal: the service's view checks its signature, the
message is stored as an item inside the request, and the service gets its 200 only after the
item committed (an exception here answers 500, and the service retries)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from appealdesk.mailroom.services import item_store


def on_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    message = event.message
    raw = message.as_bytes()
    received_at = event.timestamp or timezone.now()
    basis = f"{esp_name} inbound event" if event.timestamp else f"{esp_name} webhook arrival"
    to = message.envelope_recipient or ", ".join(a.addr_spec for a in message.to)
    item_store(
        source="email",
        raw=raw,
        received_at=min(received_at, timezone.now()),
        received_basis=basis,
        source_id=str(message.get("Message-ID") or event.event_id or "").strip().strip("<>"),
        sender=(message.from_email.addr_spec if message.from_email else "").lower(),
        sender_name=message.from_email.display_name if message.from_email else "",
        addressed_to=to.lower(),
        subject=" ".join(str(message.subject or "").split()),
        declared_type="message/rfc822",
    )
