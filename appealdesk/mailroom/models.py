"""The mailroom: what arrived in writing (e-mail, fax, scanned paper), kept as received, read,
proposed, and turned by a person into a case, information on a case, several items, or nothing.

An item is stored (bytes, SHA-256, source id, true receipt instant) before its source is
acknowledged; the same bytes or the same source id arriving again is recorded as seen again on
the first item, never as a second item. Items are never deleted: "not a request" is an outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    EMAIL = "email", "e-mail"
    FAX = "fax", "fax"
    SCAN = "scan", "scanned mail (desk upload)"
    FOLDER = "folder", "scanner folder"


class ItemState(models.TextChoices):
    NEW = "new", "new: stored, not read yet"
    READ = "read", "read: text extracted"
    PROPOSED = "proposed", "proposed: read for case, member, program and request"
    DONE = "done", "done"


class Outcome(models.TextChoices):
    OPENED_AS_CASE = "opened_as_case", "opened as a new case"
    ATTACHED = "attached", "attached to a case as information received"
    SPLIT = "split", "split into several items"
    NOT_A_REQUEST = "not_a_request", "not a request"


class NotARequest(models.TextChoices):
    MISDIRECTED = "misdirected", "misdirected (meant for someone else)"
    DUPLICATE = "duplicate", "a duplicate of something already received"
    SPAM = "spam", "spam or advertising"
    OTHER = "other", "other (the reason says what)"


def _raw_path(item: Item, filename: str) -> str:
    return f"mailroom/{item.received_at:%Y/%m}/{filename}"


def _part_path(part: Part, filename: str) -> str:
    return f"mailroom/{part.item.received_at:%Y/%m}/{filename}"


class Item(models.Model):
    """One thing that arrived: an e-mail message (its attachments are `Part`s), a fax, a scanned
    document. Its text and proposal are filled by the worker; a person decides what it becomes."""

    source = models.CharField(max_length=10, choices=Source.choices)
    # Message-ID, the fax service's id, the scanned file's name (blank when there is none)
    source_id = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)  # of `raw`, exactly as received
    # empty while the bytes wait in `LandedBytes` (a batch just stored); `storage.raw_bytes`
    # reads them from wherever they are
    raw = models.FileField(upload_to=_raw_path, max_length=300, blank=True)
    raw_content_type = models.CharField(max_length=100)  # sniffed: message/rfc822, application/pdf…
    raw_name = models.CharField(max_length=300, blank=True)  # the file name as sent (never a path)
    size = models.PositiveBigIntegerField()
    # the true receipt instant: the fax's or e-mail's own timestamp, or the batch's date-stamp
    received_at = models.DateTimeField()
    received_basis = models.CharField(max_length=60)  # what received_at was taken from
    stored_at = models.DateTimeField()  # when appealdesk stored it (always >= received_at)
    sender = models.CharField(max_length=300, blank=True)  # address or fax number
    sender_name = models.CharField(max_length=300, blank=True)
    addressed_to = models.CharField(max_length=300, blank=True)  # the number/address it went to
    subject = models.CharField(max_length=500, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)  # all parts together
    text = models.TextField(blank=True)  # what a person reads: body or OCR text
    quoted = models.TextField(blank=True)  # the quoted earlier message of an e-mail reply
    searchable_pdf = models.FileField(upload_to=_raw_path, max_length=300, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    page_range = models.CharField(max_length=40, blank=True)  # of the parent, for a split item

    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.NEW)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=20, choices=NotARequest.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    # what went wrong, in words a clerk can act on (empty when nothing did)
    problem = models.TextField(blank=True)
    problem_code = models.CharField(max_length=40, blank=True)

    # what reading found: {"assessment": assess's answer, "matched": {...}} (see docs/mailroom.md)
    proposal = models.JSONField(default=dict, blank=True)
    # the proposal in one line for the queue: "appeal, claim payment; member Ana Ruiz; UMP-2026-…"
    proposal_summary = models.CharField(max_length=300, blank=True)
    program = models.CharField(max_length=40, blank=True)  # proposed or known from addressed_to
    handler = models.CharField(max_length=60, blank=True)
    urgent = models.BooleanField(default=False)  # urgency words or an expedited proposal
    # the first deadline of the proposal, counted from received_at (the queue shows and sorts it)
    first_due_at = models.DateTimeField(null=True, blank=True)
    first_due_label = models.CharField(max_length=200, blank=True)

    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seen_count = models.PositiveIntegerField(default=1)  # 2+ when the same arrived again
    last_seen_at = models.DateTimeField()
    read_claimed_at = models.DateTimeField(null=True, blank=True)  # a worker is reading it
    read_attempts = models.PositiveSmallIntegerField(default=0)
    warned_at = models.DateTimeField(null=True, blank=True)  # the sweep warned: left unprocessed
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="mailroom_item_one_per_content"),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="mailroom_item_one_per_source_id",
            ),
        ]
        indexes = [
            # the queue: waiting items, urgent first, oldest receipt first (keyset on these)
            models.Index(
                "state",
                models.F("urgent").desc(),
                "received_at",
                "id",
                name="mailroom_item_queue",
            ),
            models.Index(fields=["case"], name="mailroom_item_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.pk} received {self.received_at:%Y-%m-%d %H:%M}"


class Part(models.Model):
    """A document of an item a person looks at and that becomes a case document: the fax or scan
    itself, or one attachment of an e-mail. Each has its own problem when it cannot be read."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="parts")
    position = models.PositiveSmallIntegerField()  # order within the item, from 1
    name = models.CharField(max_length=300)  # as sent; never used as a path
    content_type = models.CharField(max_length=100)  # sniffed from the bytes
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=_part_path, max_length=300)
    pages = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)  # OCR or PDF text
    searchable_pdf = models.FileField(upload_to=_part_path, max_length=300, blank=True)
    problem = models.TextField(blank=True)
    problem_code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="mailroom_part_position")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type})"


class LandedBytes(models.Model):
    """The bytes of an item stored in a batch (an IMAP fetch), kept in the database beside the
    item's row until the reader moves them to the document storage (`Item.raw`). They commit in
    the batch's one transaction, so they are exactly as durable as the row when the source is
    acknowledged, without a file written and synced to disk for each of a hundred messages."""

    item = models.OneToOneField(
        Item, primary_key=True, on_delete=models.PROTECT, related_name="landed"
    )
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"bytes of item {self.item_id} ({len(self.data)} bytes)"


class ItemEvent(models.Model):
    """One row per change of an item (stored, seen again, read, proposed, opened as case…),
    written in the transaction of the change. Append-only."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="events", db_index=False)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=60)
    reason = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["item", "at", "id"], name="mailroom_event_item_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Refusal(models.Model):
    """Something that arrived and was not stored as an item (bad signature, too large, a
    replay, an unreadable message), with the reason: nothing is dropped without a trace."""

    at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    source_id = models.CharField(max_length=500, blank=True)
    sender = models.CharField(max_length=300, blank=True)
    addressed_to = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    reason = models.TextField()
    code = models.CharField(max_length=40)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-at"], name="mailroom_refusal_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.source} refused: {self.code}"


class WebhookNonce(models.Model):
    """A fax webhook's signature (or the provider's fax id) accepted once: a replay within the
    window is refused. Rows older than the replay window are no longer needed."""

    key = models.CharField(max_length=200, unique=True)
    at = models.DateTimeField(db_index=True)
