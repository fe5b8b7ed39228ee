"""Letter templates (versioned: an edit is a new row, never an update) and the letters made from
them, each with the stored PDF it was rendered to (SPEC 5.3).

The database itself keeps them honest (migration 0002): a template row can be neither changed
nor deleted, a letter's content (case, template version, kind, subject, PDF) cannot change once
written, and no stored document's content can be swapped under its SHA-256.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

KIND_LABELS = {
    "acknowledgement": "Acknowledgement of receipt",
    "information_request": "Request for information",
    "extension_notice": "Extension notice",
    "extension_consent_request": "Request for written consent to take more time",
    "decision": "Decision",
    "dismissal": "Dismissal",
    "redirect": "Redirect to the body that handles it",
    "iro_forwarding": "Cover letter forwarding the case file to the IRO",
}
KIND_CHOICES = list(KIND_LABELS.items())


class LetterTemplate(models.Model):
    """One version of the text of one kind of letter of one program. The active one is the
    latest version; every letter points at the exact version it was rendered from."""

    program = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    # '' English, 'es' Spanish: each language of a kind has versions of its own
    language = models.CharField(max_length=8, blank=True, default="")
    version = models.PositiveIntegerField()
    subject = models.CharField(max_length=300, help_text="a Django template, one line")
    body = models.TextField(help_text="a Django template of the letter's HTML body")
    note = models.TextField(help_text="what changed in this version, and why")
    sha256 = models.CharField(max_length=64, help_text="of the subject and body, as stored")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["program", "kind", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "language", "version"],
                name="one_letter_template_version",
            )
        ]

    def __str__(self) -> str:
        language = f".{self.language}" if self.language else ""
        return f"{self.program} {self.kind}{language} v{self.version}"


class LetterStatus(models.TextChoices):
    GENERATED = "generated"
    QUEUED = "queued"  # e-mail requested; the task worker sends it
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # the e-mail could not be sent; send again or mail it
    MAILED = "mailed"  # printed and mailed, recorded by staff


class Letter(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="letters", db_index=False
    )
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    subject = models.CharField(max_length=300)
    document = models.ForeignKey("cases.Document", on_delete=models.PROTECT, related_name="letters")
    pages = models.PositiveSmallIntegerField()
    # to whom: a party of the case, or (the IRO cover letter) nobody on file
    party = models.ForeignKey(
        "cases.Party", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    addressee = models.CharField(max_length=200)
    # the facts the letter states (next level and its last day, handler, clocks), as rendered
    facts = models.JSONField(default=dict)
    note = models.TextField(blank=True, help_text="staff's words added to the letter")
    # the language it was written in ('' English, 'es' Spanish)
    language = models.CharField(max_length=8, blank=True, default="")
    rendered_at = models.DateTimeField()
    rendered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    status = models.CharField(
        max_length=20, choices=LetterStatus.choices, default=LetterStatus.GENERATED
    )
    send_requested_at = models.DateTimeField(null=True, blank=True)
    send_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.TextField(blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["rendered_at", "id"]
        indexes = [
            models.Index(fields=["case", "rendered_at"], name="letter_case"),
            # the task worker's safety net: sends that were asked for and never finished
            models.Index(
                fields=["send_requested_at"],
                name="letter_send_pending",
                condition=Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} letter {self.pk} ({self.status})"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class JobStatus(models.TextChoices):
    QUEUED = "queued"  # asked for; the task worker renders it
    RENDERING = "rendering"  # claimed by a worker: the PDF is being made
    DONE = "done"  # the letter exists; its own status says how it went out
    FAILED = "failed"  # the letter could not be made (the error says why)


class LetterJob(models.Model):
    """One "send decision" (issue 18, item 5): the decision letter made by the task worker,
    then e-mailed (the addressee agreed to e-mail) or left in the print queue. The desk polls it
    to show progress while the PDF renders; once the letter exists, the letter's status tells
    the rest (queued, sent, failed, mailed)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="letter_jobs")
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    letter = models.ForeignKey(
        Letter, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "requested_at"], name="letterjob_case")]

    def __str__(self) -> str:
        return f"{self.kind} letter job {self.pk} ({self.status})"


class RationaleTemplate(models.Model):
    """One version of a rationale macro (issue 18, item 4): text a reviewer starts her decision's
    rationale from, per program and outcome, with names filled in from the case
    (`correspondence.rationales`). Versioned like letter templates: a save is a new row, the
    active one is the latest version of its (program, outcome, name)."""

    program = models.CharField(max_length=40)
    outcome = models.CharField(max_length=40)
    name = models.CharField(max_length=100, help_text="what the reviewer picks, e.g. 'not covered'")
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="a Django template: {{ member }}, {{ service }}, …")
    note = models.TextField(help_text="what changed in this version, and why")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["program", "outcome", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "outcome", "name", "version"],
                name="one_rationale_template_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.outcome} {self.name!r} v{self.version}"
