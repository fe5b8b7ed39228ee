"""Received faxes from cloud fax services: a signed generic endpoint and adapters for two real
services' documented inbound callbacks (Phaxio/Sinch Fax v2.1, fax.to v2). Each request is
checked (signature, timestamp window, each signature accepted once, size) before anything is
stored; the PDF is stored as an item (with the number it was sent to) before the service gets
its 200. What is refused is recorded with its reason (`Refusal`)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from appealdesk.mailroom import config
from appealdesk.mailroom.models import WebhookNonce
from appealdesk.mailroom.services import Stored, item_refuse, item_store

REPLAY_WINDOW = dt.timedelta(minutes=5)


class Refused(Exception):
    """The request is refused: `status` for the HTTP answer, `code` and `reason` recorded."""

    def __init__(self, status: int, code: str, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.status, self.code, self.reason, self.detail = status, code, reason, detail


@dataclass(frozen=True)
class InboundFax:
    fax_id: str
    sender: str
    addressed_to: str  # the number the fax was sent to
    received_at: dt.datetime
    received_basis: str
    pdf: bytes
    name: str = ""


def max_bytes() -> int:
    return int(config.setting("MAILROOM_FAX_MAX_BYTES", 40 * 1024 * 1024))


def secret(name: str) -> str:
    value = str(config.setting(name, ""))
    if not value:
        raise Refused(
            503,
            "not_configured",
            f"{name} is not set: the fax endpoint is off until it is (docs/mailroom.md)",
        )
    return value


def receive(fax: InboundFax, *, service: str, now: dt.datetime | None = None) -> Stored:
    """Store one received fax (deduplicated on the service's fax id and the bytes)."""
    # whatever the bytes are, they are kept: a fax that is not a PDF shows its problem on the
    # item once read, rather than disappearing
    return item_store(
        source="fax",
        raw=fax.pdf,
        received_at=fax.received_at,
        received_basis=fax.received_basis,
        source_id=f"{service}:{fax.fax_id}" if fax.fax_id else "",
        sender=fax.sender,
        addressed_to=fax.addressed_to,
        name=fax.name or f"fax-{fax.fax_id or 'unknown'}.pdf",
        now=now,
    )


def refuse(exc: Refused, *, service: str, size: int, now: dt.datetime | None = None) -> None:
    item_refuse(
        source="fax",
        code=exc.code,
        reason=exc.reason,
        size=size,
        detail={"service": service, **exc.detail},
        now=now,
    )


def _accept_once(key: str, now: dt.datetime) -> None:
    """A signature (or a service's callback id) is accepted once: a replayed request is
    refused. Keys older than the replay window are forgotten (they would be stale anyway)."""
    WebhookNonce.objects.filter(at__lt=now - 2 * REPLAY_WINDOW).delete()
    try:
        with transaction.atomic():
            WebhookNonce.objects.create(key=key[:200], at=now)
    except IntegrityError:
        raise Refused(409, "replayed", "this request was already received (a replay)") from None


# -- the generic endpoint ---------------------------------------------------------------------
def generic_signature(key: str, timestamp: str, body: bytes) -> str:
    """`v1=` + hex HMAC-SHA256 of "<timestamp>." + body, keyed with MAILROOM_FAX_SECRET."""
    signed = timestamp.encode() + b"." + body
    return "v1=" + hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()


def parse_generic(headers: Mapping[str, str], body: bytes, *, now: dt.datetime) -> InboundFax:
    """The generic endpoint: headers `Appealdesk-Timestamp` (Unix seconds) and
    `Appealdesk-Signature` (`v1=<hex>`), a JSON body {"id", "from", "to", "received_at" (ISO
    8601 with offset), "pdf_base64"}."""
    key = secret("MAILROOM_FAX_SECRET")
    timestamp = headers.get("Appealdesk-Timestamp", "")
    given = headers.get("Appealdesk-Signature", "")
    if not timestamp.isdigit() or not given:
        raise Refused(401, "unsigned", "Appealdesk-Timestamp and Appealdesk-Signature are required")
    expected = generic_signature(key, timestamp, body)
    if not hmac.compare_digest(expected, given.strip()):
        raise Refused(401, "bad_signature", "the signature does not match the body")
    sent_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - sent_at) > REPLAY_WINDOW:
        raise Refused(
            401,
            "stale",
            f"the timestamp is {abs(now - sent_at).total_seconds():.0f} s from our clock, outside "
            f"the {REPLAY_WINDOW.total_seconds():.0f} s window (check the sender's clock)",
        )
    _accept_once("generic:" + given.strip(), now)
    try:
        data = json.loads(body)
        pdf = base64.b64decode(data["pdf_base64"], validate=True)
        received_at = dt.datetime.fromisoformat(data["received_at"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise Refused(400, "bad_payload", f"the body is not the documented JSON ({exc})") from None
    if received_at.tzinfo is None:
        raise Refused(400, "bad_payload", "received_at needs its UTC offset")
    return InboundFax(
        fax_id=str(data.get("id") or ""),
        sender=str(data.get("from") or ""),
        addressed_to=str(data.get("to") or ""),
        received_at=received_at,
        received_basis="fax service received_at",
        pdf=pdf,
    )


# -- Phaxio (Sinch Fax) v2.1 -------------------------------------------------------------------
def phaxio_signature(
    token: str, url: str, params: Mapping[str, str], files: Mapping[str, bytes]
) -> str:
    """Phaxio's documented X-Phaxio-Signature: the callback URL, then each POST parameter's
    name and value sorted by name, then each file part's name and the SHA-1 of its contents
    sorted by name, signed with HMAC-SHA1 keyed with the callback token."""
    signed = url
    for name in sorted(params):
        signed += name + params[name]
    for name in sorted(files):
        signed += name + hashlib.sha1(files[name]).hexdigest()  # SHA-1: Phaxio's documented scheme
    return hmac.new(token.encode(), signed.encode(), hashlib.sha1).hexdigest()


def parse_phaxio(
    *,
    url: str,
    signature: str,
    params: Mapping[str, str],
    files: Mapping[str, bytes],
    now: dt.datetime,
) -> InboundFax:
    """Phaxio's receive callback: a multipart POST with `fax` (the fax object as JSON: id,
    from_number, to_number, completed_at/created_at…), `direction`, `is_test`, and the PDF in
    the file part `file`."""
    token = secret("MAILROOM_PHAXIO_CALLBACK_TOKEN")
    expected = phaxio_signature(token, url, params, files)
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise Refused(401, "bad_signature", "X-Phaxio-Signature does not match the request")
    try:
        fax = json.loads(params["fax"])
        fax_id = str(fax["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise Refused(
            400, "bad_payload", f"the 'fax' parameter is not Phaxio's fax object ({exc})"
        ) from None
    # Phaxio signs the content but not a time: its fax id is accepted once instead
    _accept_once(f"phaxio:{fax_id}", now)
    if params.get("direction", "received") != "received":
        raise Refused(400, "not_received", "this callback is about a sent fax, not a received one")
    if "file" not in files:
        raise Refused(400, "no_file", "the callback has no PDF in its 'file' part")
    when = fax.get("completed_at") or fax.get("created_at")
    received_at, basis = _instant(when, now, "Phaxio completed_at")
    return InboundFax(
        fax_id=fax_id,
        sender=str(fax.get("from_number") or fax.get("caller_id") or ""),
        addressed_to=str(fax.get("to_number") or _first_recipient(fax)),
        received_at=received_at,
        received_basis=basis,
        pdf=files["file"],
    )


def _first_recipient(fax: Mapping[str, Any]) -> str:
    recipients = fax.get("recipients") or []
    if recipients and isinstance(recipients[0], Mapping):
        return str(recipients[0].get("phone_number") or recipients[0].get("number") or "")
    return ""


# -- fax.to v2 ---------------------------------------------------------------------------------
def parse_faxto(
    *, token: str, params: Mapping[str, str], files: Mapping[str, bytes], now: dt.datetime
) -> InboundFax:
    """fax.to's fax receive callback: a POST with uuid, from, to (our number), time, pages and
    the PDF in `file`. fax.to does not sign its callbacks, so the callback URL carries a long
    secret (MAILROOM_FAXTO_URL_TOKEN), compared in constant time; its uuid is accepted once."""
    expected = secret("MAILROOM_FAXTO_URL_TOKEN")
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise Refused(401, "bad_signature", "the callback URL's token is not ours")
    fax_id = params.get("uuid", "")
    if not fax_id:
        raise Refused(400, "bad_payload", "the callback has no uuid")
    _accept_once(f"faxto:{fax_id}", now)
    if "file" not in files:
        raise Refused(400, "no_file", "the callback has no PDF in its 'file' part")
    received_at, basis = _instant(params.get("time"), now, "fax.to time")
    return InboundFax(
        fax_id=fax_id,
        sender=params.get("from", ""),
        addressed_to=params.get("to", ""),
        received_at=received_at,
        received_basis=basis,
        pdf=files["file"],
    )


def _instant(value: Any, now: dt.datetime, basis: str) -> tuple[dt.datetime, str]:
    """The service's receipt time; when it is missing or has no zone, the time we got the
    callback (said in the basis, so the clerk knows)."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC), basis
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return min(parsed, now), basis
    return now, f"callback arrival ({basis} missing or without a time zone)"
