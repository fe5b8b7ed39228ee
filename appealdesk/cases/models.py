"""Durable cases, their clocks and the append-only event log (SPEC sections 2, 3, 5 and 8).

Models hold data and cheap derived properties only; every change goes through a service in
`services.py`, which writes its `Event` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

KIND_CHOICES = [
    (k, k.replace("_", " "))
    for k in (
        "complaint",
        "grievance",
        "appeal",
        "expedited_appeal",
        "external_review",
        "clinical_appeal",
    )
]
CHANNEL_CHOICES = [
    (c, c.replace("_", " ")) for c in ("phone", "mail", "fax", "email", "portal", "in_person")
]
FILER_CHOICES = [(f, f.replace("_", " ")) for f in ("member", "authorized_rep", "provider")]
DISPOSITION_CHOICES = [(d, d) for d in ("accept", "reject", "redirect", "informal")]
OUTCOME_CHOICES = [
    (o, o.replace("_", " "))
    for o in ("upheld", "overturned", "partially_overturned", "withdrawn", "dismissed")
]


class State(models.TextChoices):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    AWAITING_INFORMATION = "awaiting_information"
    DECIDED = "decided"
    NOTIFIED = "notified"
    CLOSED = "closed"
    DISMISSED = "dismissed"
    REDIRECTED = "redirected"
    REOPENED = "reopened"


OPEN_STATES = (
    State.RECEIVED,
    State.IN_REVIEW,
    State.AWAITING_INFORMATION,
    State.DECIDED,
    State.REOPENED,
)


class ClockState(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    EXTENDED = "extended"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


LIVE_CLOCK_STATES = (ClockState.RUNNING, ClockState.EXTENDED)


class PackSnapshot(models.Model):
    """The exact text of a pack version; every case points at the one that governed it."""

    program = models.CharField(max_length=40)
    version = models.CharField(max_length=40)
    effective_from = models.DateField()
    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField()
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "effective_from"]

    def __str__(self) -> str:
        return f"{self.program} {self.version} ({self.sha256[:12]})"


class Team(models.Model):
    """A work queue: one program, optionally one handler, with a skill (SPEC 5.4)."""

    name = models.CharField(max_length=100, unique=True)
    program = models.CharField(max_length=40)
    handler = models.CharField(max_length=60, blank=True)
    skill = models.CharField(
        max_length=20,
        blank=True,
        choices=[("administrative", "administrative"), ("clinical", "clinical")],
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """A staff member's teams, manager (for the independence rule) and skills."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    administrative_reviewer = models.BooleanField(default=False)
    clinical_reviewer = models.BooleanField(default=False)
    licence_states = models.CharField(
        max_length=100, blank=True, help_text="comma-separated, e.g. WA,CA"
    )
    # the e-mail digest of unread notifications, turned on by the person (desk notifications)
    digest = models.BooleanField(default=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"staff {self.user}"


# the languages a party's letters can be written in ('' is English, the default)
LANGUAGES = [("", "English"), ("es", "Spanish")]


class Party(models.Model):
    """A member (subscriber/patient), an authorized representative or a provider."""

    ROLES = [
        ("member", "member"),
        ("authorized_rep", "authorized representative"),
        ("provider", "provider"),
    ]
    role = models.CharField(max_length=20, choices=ROLES)
    name = models.CharField(max_length=200)
    subscriber_name = models.CharField(max_length=200, blank=True)
    subscriber_id = models.CharField(max_length=40, blank=True, db_index=True)
    patient_name = models.CharField(max_length=200, blank=True)
    # a member's date of birth: with the name, how a letter or fax without a subscriber ID is
    # matched to its member (the mailroom), and how a clerk tells two members of one name apart.
    # PHI: shown to staff only, never logged.
    birth_date = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    email_consent = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    # the language letters are written in: '' English (or not known), 'es' Spanish (issue 18
    # item 9); set from the portal's language choice or at intake
    language = models.CharField(max_length=8, blank=True, choices=LANGUAGES, default="")
    # a provider's National Provider Identifier (check digit verified at intake) and fax: the
    # NPI links a case taken in at the desk to the provider's portal account (issue 18 item 7)
    npi = models.CharField(max_length=10, blank=True, default="")
    fax = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "parties"
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["npi"], name="cases_party_npi", condition=~models.Q(npi="")),
            models.Index(fields=["birth_date"], name="cases_party_birth_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Document(models.Model):
    """A stored file (authorizations, consents, evidence, letters). Content is immutable."""

    case = models.ForeignKey(
        "Case", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=40)  # authorization, written_consent, eob, letter, …
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to="documents/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class Authorization(models.Model):
    """A representative's authority to act for a member, with its document."""

    member = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="representatives")
    representative = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="authorizations"
    )
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    expires_on = models.DateField(null=True, blank=True)
    # asked for on the portal (a representative's own request) or recorded by staff
    requested_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    refused_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.representative} for {self.member}"


class Case(models.Model):
    # Foreign keys with db_index=False are served by the composite indexes in Meta (team and
    # owner: the worklist indexes; matter: case_matter) or are rarely looked up; each index
    # costs every intake an update, so only the ones a read needs exist.
    number = models.CharField(max_length=40, unique=True)
    program = models.CharField(max_length=40)
    pack = models.ForeignKey(
        PackSnapshot, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    # the first case of the dispute (itself for the first level) and the level it follows
    matter = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="matter_cases"
    )
    prior = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_cases",
        db_index=False,
    )

    kind = models.CharField(max_length=30, choices=KIND_CHOICES)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    expedited = models.BooleanField(default=False)
    category = models.CharField(max_length=60, blank=True)
    service = models.CharField(max_length=40, blank=True)
    requested = models.CharField(max_length=30, blank=True)
    channel = models.CharField(max_length=20, choices=CHANNEL_CHOICES)
    filed_by = models.CharField(max_length=20, choices=FILER_CHOICES, blank=True)
    written = models.BooleanField(null=True)

    member = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, related_name="member_cases"
    )
    representative = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_cases",
        db_index=False,
    )
    provider = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provider_cases",
        db_index=False,
    )

    # SPEC 3: when the request reached the program, entered by intake; not when it was typed in
    received_at = models.DateTimeField()
    received_date = models.DateField()  # local date in the program's zone
    backdate_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    notice_date = models.DateField(null=True, blank=True)
    occurrence_date = models.DateField(null=True, blank=True)

    request = models.JSONField(default=dict)  # the assess input as received
    assessment = models.JSONField(default=dict)  # what assess proposed at intake
    provided = models.JSONField(default=list)
    missing = models.JSONField(default=list)
    summary = models.TextField(blank=True)

    state = models.CharField(max_length=30, choices=State.choices, default=State.RECEIVED)
    disposition = models.CharField(max_length=20, choices=DISPOSITION_CHOICES)
    handler = models.CharField(max_length=60, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_cases",
    )

    outcome = models.CharField(max_length=30, choices=OUTCOME_CHOICES, blank=True)
    action = models.CharField(max_length=20, blank=True)  # deny/modify/reduce/terminate
    dismissal_reason = models.CharField(max_length=30, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_cases",
        db_index=False,
    )
    letter_date = models.DateField(null=True, blank=True)  # date of the decision letter
    notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
        db_index=False,
    )
    immediate_iro = models.BooleanField(default=False)
    # the decision being appealed, when it came in as data (FHIR intake, issue 21): its
    # authorization or claim number (searchable on the desk) and its reference, e.g.
    # {"type": "ClaimResponse", "reference": "urn:uuid:…", "system": "…"}
    source_reference = models.CharField(max_length=100, blank=True)
    source_focus = models.JSONField(default=dict, blank=True)

    # Denormalised from the live clocks, for the worklist: the earliest due instant, and when
    # that clock becomes at risk. Kept by the services that change clocks.
    next_due_at = models.DateTimeField(null=True, blank=True)
    next_at_risk_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=True)

    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        indexes = [
            # the worklist: open cases of a team (or an owner) by next due clock
            models.Index(
                fields=["team", "next_due_at", "id"],
                name="case_team_due",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["owner", "next_due_at", "id"],
                name="case_owner_due",
                condition=Q(is_open=True),
            ),
            # the worklist's expedited lane (its own, at the top): few cases, so one small index
            models.Index(
                fields=["next_due_at", "id"],
                name="case_expedited_due",
                condition=Q(is_open=True, expedited=True),
            ),
            models.Index(fields=["program", "received_date"], name="case_program_received"),
            models.Index(fields=["matter"], name="case_matter"),
            # the desk's search by authorization / claim number (few cases have one: partial)
            models.Index(
                fields=["source_reference"],
                name="case_source_reference",
                condition=~Q(source_reference=""),
            ),
            # intake's duplicate check (SPEC 5.1): open cases of a member
            models.Index(
                fields=["member", "notice_date"], name="case_member_open", condition=Q(is_open=True)
            ),
            # the portal: a provider's cases, newest first (few cases have a provider: partial)
            models.Index(
                fields=["provider", "received_at"],
                name="case_provider",
                condition=Q(provider__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Clock(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="clocks", db_index=False)
    clock_id = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    length = models.PositiveIntegerField()
    starts = models.CharField(max_length=40)
    met_by = models.JSONField(default=list)
    binding = models.BooleanField(default=True)
    notice = models.CharField(max_length=20, blank=True)
    extension_rule = models.JSONField(null=True, blank=True)
    pausable = models.BooleanField(default=False)
    calendar = models.CharField(max_length=200, blank=True)

    state = models.CharField(max_length=20, choices=ClockState.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    original_due_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(null=True, blank=True)
    missed_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "clock_id"],
                name="one_live_clock_per_id",
                condition=~Q(state="cancelled"),
            ),
        ]
        indexes = [
            # a case's clocks (case page, services, extensions): the partial unique index above
            # serves only queries that also say state <> 'cancelled'
            models.Index(fields=["case"], name="clock_case"),
            models.Index(
                fields=["due_at"],
                name="clock_live_due",
                condition=Q(state__in=["running", "extended"]),
            ),
            # the sweep's at-risk claim: live clocks not yet announced, by their at-risk point
            models.Index(
                fields=["at_risk_at"],
                name="clock_at_risk_unclaimed",
                condition=Q(state__in=["running", "extended"], at_risk_notified_at=None),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.clock_id} {self.state}"


class Extension(models.Model):
    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, related_name="extensions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    reason = models.TextField()
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    requires = models.CharField(max_length=30)  # notice / written_consent / nothing
    consent_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)


class InformationRequest(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="information_requests")
    items = models.JSONField(default=list)
    note = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # when the request stopped waiting (None: still open): its answer was recorded, or the case
    # was decided, dismissed or closed first (then `closed_reason` says so and nothing came)
    received_at = models.DateTimeField(null=True, blank=True)
    received_items = models.JSONField(default=list)
    closed_reason = models.CharField(max_length=200, blank=True)


class EventQuerySet(models.QuerySet["Event"]):
    def bulk_create(self, objs: Any, batch_size: int | None = None, **options: Any) -> Any:
        """Every event joins its case's hash chain (`cases.chain.append`), whoever writes it."""
        if options:
            raise TypeError(f"events are only appended: {', '.join(options)} is not for them")
        from appealdesk.cases import chain

        return chain.append(list(objs), batch_size=batch_size)

    def insert_chained(self, objs: list[Event], batch_size: int | None = None) -> list[Event]:
        """The INSERT itself, for `chain.append` once the links are made."""
        return super().bulk_create(objs, batch_size=batch_size)


class Event(models.Model):
    """Append-only: the database itself refuses UPDATE and DELETE (see migration 0002), and
    each event is a link of its case's hash chain (`seq`, `prev_hash`, `hash`: see
    `cases.chain` and docs/record.md)."""

    case = models.ForeignKey(
        Case, null=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )
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
    # the hash chain: the event's place in its case's log (1, 2, 3…), the hash of the event
    # before it (64 zeros for the first) and SHA-256(prev_hash + canonical JSON of the event)
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="event_case_at")]
        constraints = [
            # one successor per link (a fork is refused), and the order `verify` walks in;
            # partial indexes both, which SQLite adds without rebuilding the table
            models.UniqueConstraint(
                fields=["case", "seq"], name="event_chain", condition=Q(case__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["seq"], name="event_chain_caseless", condition=Q(case__isnull=True)
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            super().save(*args, **kwargs)  # refused by the database (append-only)
            return
        from appealdesk.cases import chain

        chain.append([self])

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Notification(models.Model):
    """A message to one person on the desk. From the clock sweep (SPEC 5.5): one per (clock,
    kind, recipient, due time): the unique constraint makes a replayed or concurrent sweep
    harmless, and a clock extended or resumed to a new due time may warn again. From what people
    did to a case (`appealdesk.activity`: assigned, a member answered, a letter failed, a note
    mentioning someone…): one per (event, recipient), written in the transaction of the event
    that caused it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", db_index=False)
    clock = models.ForeignKey(
        Clock, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # the event-log row that caused it (activity); the sweep's at-risk warnings have none
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=30)  # clock.at_risk, clock.missed, case.assigned, …
    due_at = models.DateTimeField(null=True, blank=True)  # the clock's due time (sweep only)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # sent in an e-mail digest

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "kind", "recipient", "due_at"],
                name="one_notification_per_clock_kind",
            ),
            models.UniqueConstraint(
                fields=["event", "recipient"],
                name="one_notification_per_event",
                condition=Q(event__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # the header's unread count and the worklist's unread markers (a page's cases)
            models.Index(
                fields=["recipient", "case"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.text}"


class SweepRun(models.Model):
    """One pass of the clock sweep, for the supervisor dashboard; a run killed mid-way keeps
    `finished_at` empty (its committed batches stand, the next run finishes the rest)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200)
    counts = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["-finished_at"], name="sweeprun_finished")]

    def __str__(self) -> str:
        return f"sweep {self.started_at:%Y-%m-%d %H:%M:%S} by {self.worker}"


# -- what members and their representatives sign and ask for online ---------------------------
# (tables made by the portal app, which kept them until the case work moved to the core)
class Signature(models.Model):
    """An electronic signature, kept as evidence: the typed name, the box ticked, when (UTC and
    the program's local date), from where, and a SHA-256 of exactly what was signed."""

    PURPOSES = [
        ("filing", "filing"),
        ("information", "information sent"),
        ("extension_consent", "extension consent"),
        ("extension_refusal", "extension refused"),
        ("authorization", "authorization request"),
        ("attestation", "clinical attestation"),
    ]
    account = models.ForeignKey(
        "accounts.PortalAccount", on_delete=models.PROTECT, related_name="signatures"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=30, choices=PURPOSES)
    typed_name = models.CharField(max_length=200)
    agreed = models.BooleanField()
    statement = models.TextField()  # the words next to the box the signer ticked
    signed_at = models.DateTimeField()
    date_signed = models.DateField()  # the signer's local date (the program's zone)
    content = models.JSONField(default=dict)  # what was signed, as submitted
    sha256 = models.CharField(max_length=64)  # of the canonical JSON of content + statement
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "portal_signature"
        indexes = [models.Index(fields=["case", "signed_at"], name="signature_case")]

    def __str__(self) -> str:
        return f"{self.typed_name} {self.purpose} {self.signed_at:%Y-%m-%d %H:%M}"


class ExtensionConsentRequest(models.Model):
    """Staff ask the member for written permission to go past a deadline (UMP appeals past 30
    days); the member gives or refuses it online. Giving it stores a signed consent document
    and extends the clock through `clock_extend`."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    clock = models.ForeignKey(Clock, on_delete=models.PROTECT, related_name="+")
    new_due_at = models.DateTimeField()
    reason = models.TextField()  # why more time is needed, in words the member reads
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(
        max_length=10, blank=True, choices=[("given", "given"), ("refused", "refused")]
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    signature = models.ForeignKey(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "portal_extensionconsentrequest"
        indexes = [models.Index(fields=["case", "requested_at"], name="consent_request_case")]


class CaseFileRequest(models.Model):
    """A request for the free copy of the case file (UMP: copies of relevant documents are
    free on request); staff send the packet and record it as fulfilled."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        "accounts.PortalAccount", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "portal_casefilerequest"
        indexes = [models.Index(fields=["case", "requested_at"], name="file_request_case")]
