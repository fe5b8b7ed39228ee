"""The desk's forms: intake, and one form per case action, each calling one service.

Times typed into a form are local to the case's program (the view activates its zone), so
'10:15' on a UMP case is 10:15 Pacific; they are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appealdesk.access import roles
from appealdesk.cases import packs
from appealdesk.cases import services as sv
from appealdesk.cases.documents import check_upload, document_store, files_undone_on_error
from appealdesk.cases.errors import InvalidInput
from appealdesk.cases.member_requests import case_file_fulfil, consent_ask, consent_clocks
from appealdesk.cases.models import (
    CHANNEL_CHOICES,
    FILER_CHOICES,
    LIVE_CLOCK_STATES,
    OPEN_STATES,
    Case,
    CaseFileRequest,
    Clock,
    ClockState,
    Party,
    Team,
)
from appealdesk.cases.models import State as S
from appealdesk.cases.ranges import (
    birth_date_within_range,
    date_within_range,
    instant_within_range,
)
from appealdesk.policy.assess import Program
from appealdesk.policy.identifiers import npi_valid

REQUESTED = [
    ("", "(as the pack classifies it)"),
    ("appeal", "appeal"),
    ("complaint", "complaint"),
    ("grievance", "grievance"),
    ("external_review", "independent review (IRO)"),
    ("clinical_appeal", "clinical appeal (appeals consideration)"),
]
# the member's details as request items: each word is looked up in the pack's item aliases
PARTY_ITEMS = {
    "name": ("name", "subscriber"),
    "subscriber_id": ("subscriber_id",),
    "phone": ("phone",),
    "address": ("address",),
}
YES_NO_UNKNOWN = [("", "not known"), ("yes", "yes"), ("no", "no")]
ACTIONS_TAKEN = [("", "—")] + [(a, a) for a in ("deny", "modify", "reduce", "terminate")]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def local_datetime(label: str, *, required: bool = True, help_text: str = "") -> forms.Field:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=help_text,
        validators=[instant_within_range],
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def member_party(pk: Any, user: Any) -> Party | None:
    """A member by id, if the user may read that member's record (`roles.visible_members`):
    never another kind of party, never the member of another team's case."""
    return roles.visible_members(user).filter(pk=pk).first() if pk else None


def tri_state(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def item_choices(program: Program) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for process in program.pack.processes:
        for item in process.required:
            seen.setdefault(item.id, item.label)
    return list(seen.items())


def staff_choices(*, skill: str | None = None) -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True, is_staff=True).select_related("staff")
    if skill:
        users = users.filter(**{f"staff__{skill}_reviewer": True})
    return [("", "—")] + [
        (str(u.pk), u.get_full_name() or u.get_username()) for u in users.order_by("username")
    ]


# -- intake -----------------------------------------------------------------------------------
class IntakeForm(forms.Form):
    """What intake records (SPEC 5.1); the assessment panel shows what `assess` makes of it."""

    channel = forms.ChoiceField(choices=CHANNEL_CHOICES, initial="phone")
    received_at = local_datetime(
        "Received at", help_text="when the request reached the program, in its local time"
    )
    backdate_reason = forms.CharField(
        label="Why is it entered late?",
        required=False,
        help_text="needed when the request arrived earlier than now, e.g. 'mail date-stamped "
        "Friday, opened Monday'",
    )
    filed_by = forms.ChoiceField(choices=FILER_CHOICES, initial="member")
    requested = forms.ChoiceField(
        label="What the person asks for", choices=REQUESTED, required=False
    )
    category = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    level = forms.TypedChoiceField(
        choices=[("", "(derived)"), ("1", "1"), ("2", "2")],
        coerce=int,
        required=False,
        empty_value=None,
    )
    expedited = forms.BooleanField(
        required=False, label="Expedited: waiting could seriously harm the member's health"
    )
    written = forms.ChoiceField(
        label="In writing?",
        choices=[("", "from the channel"), ("yes", "yes"), ("no", "no")],
        required=False,
    )
    written_response_requested = forms.BooleanField(
        required=False, label="The person asked for a written response"
    )
    network_provider = forms.ChoiceField(
        label="About a network (preferred) provider?", choices=YES_NO_UNKNOWN, required=False
    )
    notice_date = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="date the member got notice of the action",
        validators=[date_within_range],
    )
    occurrence_date = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="date of what the grievance is about",
        validators=[date_within_range],
    )
    provided = forms.MultipleChoiceField(
        label="Information provided",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="the member's name, subscriber ID, phone and address given above count too",
    )
    text = forms.CharField(
        label="The request in the person's words",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="without a category, the classifier proposes one from this text",
    )
    summary = forms.CharField(required=False, max_length=500)
    # the decision appealed, when the request was prefilled from a FHIR bundle (docs/fhir.md)
    source_reference = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    source_focus = forms.JSONField(required=False, widget=forms.HiddenInput)

    member = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    member_name = forms.CharField(label="Member name", required=False, max_length=200)
    subscriber_id = forms.CharField(label="Subscriber ID", required=False, max_length=40)
    member_birth_date = forms.DateField(
        label="Date of birth",
        required=False,
        widget=DateInput(),
        help_text="tells apart members of one name; matches mail that has no subscriber ID",
        validators=[birth_date_within_range],
    )
    member_phone = forms.CharField(label="Daytime phone", required=False, max_length=40)
    member_address = forms.CharField(
        label="Mailing address", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    member_email = forms.EmailField(label="E-mail", required=False)
    member_email_consent = forms.BooleanField(
        label="The member agrees to receive letters by e-mail",
        required=False,
        help_text="without it, letters go on paper only",
    )
    # the letters' language (issue 18, item 9): its own fieldset on the page
    member_language = forms.ChoiceField(
        label="Letters in",
        required=False,
        choices=[
            ("", "as on file (English for a new member)"),
            ("en", "English"),
            ("es", "Spanish (español)"),
        ],
        help_text="the member's letters are written in this language",
    )
    representative_name = forms.CharField(
        label="Authorized representative", required=False, max_length=200
    )
    authorization = forms.FileField(
        label="Representative's authorization (PDF or image)", required=False
    )
    # the treating or requesting provider (issue 18, item 7): found by NPI, a request filed
    # for a provider with a portal account shows on their portal
    provider_name = forms.CharField(label="Provider name", required=False, max_length=200)
    provider_npi = forms.CharField(
        label="NPI",
        required=False,
        max_length=20,  # spaces allowed as typed; the 10 digits are checked
        help_text="10 digits; links the request to the provider's portal account",
    )
    provider_phone = forms.CharField(label="Provider phone", required=False, max_length=40)
    provider_fax = forms.CharField(label="Provider fax", required=False, max_length=40)
    documents = MultipleFileField(label="Documents (PDF or images)", required=False)

    override_requested = forms.ChoiceField(label="Take it as", choices=REQUESTED, required=False)
    override_category = forms.ChoiceField(label="Category", required=False)
    override_level = forms.TypedChoiceField(
        label="Level",
        choices=[("", "(as proposed)"), ("1", "1"), ("2", "2")],
        coerce=int,
        required=False,
        empty_value=None,
    )
    override_expedited = forms.ChoiceField(
        label="Expedited",
        choices=[("", "(as proposed)"), ("yes", "yes"), ("no", "no")],
        required=False,
    )
    override_reason = forms.CharField(label="Reason for the override", required=False)

    def __init__(self, *args: Any, program: Program, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        self.user = user
        pack = program.pack
        categories = [("", "(propose from the text)")] + [
            (cid, f"{c.label} ({c.class_})") for cid, c in pack.categories.items()
        ]
        self.fields["category"].choices = categories
        self.fields["override_category"].choices = [("", "(as proposed)"), *categories[1:]]
        self.fields["service"].choices = [("", "—")] + [
            (sid, s.label) for sid, s in pack.services.items()
        ]
        self.fields["provided"].choices = item_choices(program)
        if not pack.services:
            del self.fields["service"]
        # only the dates the program's filing windows count from (UMP: notice; Genex: occurrence)
        bases = {
            basis
            for process in pack.processes
            for variant in process.filing
            for window in variant.all_windows
            for basis in window.basis
        }
        for name in ("notice_date", "occurrence_date"):
            if name not in bases:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("member") and member_party(data["member"], self.user) is None:
            self.add_error("member_name", "the chosen member is not known: search again")
        elif not data.get("member") and not data.get("member_name"):
            self.add_error("member_name", "choose a member from the search, or type a new one")
        npi = "".join((data.get("provider_npi") or "").split())
        data["provider_npi"] = npi
        if npi and not npi_valid(npi):
            self.add_error(
                "provider_npi",
                "an NPI is 10 digits and its last is a check digit: this one is not valid "
                "(check for a typing error)",
            )
        provider_details = npi or data.get("provider_phone") or data.get("provider_fax")
        if provider_details and not data.get("provider_name"):
            self.add_error("provider_name", "name the provider whose NPI, phone or fax is given")
        # uploads are checked before anything is stored (type by content, size)
        for name in ("authorization", "documents"):
            uploads = data.get(name) or []
            for upload in uploads if isinstance(uploads, list) else [uploads]:
                try:
                    check_upload(upload)
                except InvalidInput as exc:
                    self.add_error(name, exc.message)
        return data

    def clean_source_focus(self) -> dict[str, str]:
        focus = self.cleaned_data.get("source_focus") or {}
        if not isinstance(focus, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(v) <= 300 for k, v in focus.items()
        ):
            raise forms.ValidationError("not the reference of a FHIR decision")
        return focus

    def request_dict(self) -> dict[str, Any]:
        """The `assess` input (SPEC 7) from what was typed: fields not given are left out."""
        d = self.cleaned_data
        received = d.get("received_at") or timezone.now()
        request: dict[str, Any] = {
            "program": self.program.pack.program,
            "received_at": received.astimezone(self.program.tz).isoformat(timespec="seconds"),
            "channel": d.get("channel") or None,
            "filed_by": d.get("filed_by") or None,
            "requested": d.get("requested") or None,
            "category": d.get("category") or None,
            "service": d.get("service") or None,
            "level": d.get("level"),
            "expedited": d.get("expedited") or None,
            "written": tri_state(d.get("written") or ""),
            "written_response_requested": d.get("written_response_requested") or None,
            "network_provider": tri_state(d.get("network_provider") or ""),
            "notice_date": d["notice_date"].isoformat() if d.get("notice_date") else None,
            "occurrence_date": (
                d["occurrence_date"].isoformat() if d.get("occurrence_date") else None
            ),
            "provided": sorted({*(d.get("provided") or []), *self.items_from_party()}),
            "text": d.get("text") or None,
        }
        return {k: v for k, v in request.items() if v is not None}

    def items_from_party(self) -> set[str]:
        """Required items the member's details give (a typed phone is the daytime phone…),
        found through the pack's own item aliases, never by program."""
        d = self.cleaned_data
        party = member_party(d.get("member"), self.user)
        values = {
            "name": party.name if party else d.get("member_name"),
            "subscriber_id": party.subscriber_id if party else d.get("subscriber_id"),
            "phone": party.phone if party else d.get("member_phone"),
            "address": party.address if party else d.get("member_address"),
        }
        aliases = self.program.aliases
        return {
            aliases[word]
            for field, words in PARTY_ITEMS.items()
            if values[field]
            for word in words
            if word in aliases
        }

    def override(self) -> dict[str, Any]:
        d = self.cleaned_data
        changes = {
            "requested": d.get("override_requested") or None,
            "category": d.get("override_category") or None,
            "level": d.get("override_level"),
            "expedited": tri_state(d.get("override_expedited") or ""),
        }
        return {k: v for k, v in changes.items() if v is not None}


# -- case actions -----------------------------------------------------------------------------
class ActionForm(forms.Form):
    """One case action. `version` is the case version the user saw (optimistic locking)."""

    action: ClassVar[str]
    title: ClassVar[str]
    button: ClassVar[str]
    states: ClassVar[tuple[str, ...]] = tuple(OPEN_STATES)
    multipart: ClassVar[bool] = False

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.action)
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.case, self.user = case, user
        self.program = packs.program_of(case.pack_id)
        self.setup()

    def setup(self) -> None:
        """Choices that depend on the case."""

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        """Whether the action applies to the case now, read from the case page's rows (its
        clocks and information requests prefetched) without building the form: the page
        lists the actions and builds a form only when it is opened (issue 22 item 3)."""
        return case.state in cls.states

    def applies(self) -> bool:
        return self.offered(self.case, self.program)

    @property
    def expected(self) -> int:
        return int(self.cleaned_data["version"])

    def run(self) -> str:
        """Call the service; return what happened, in words. Raises DomainError."""
        raise NotImplementedError


def _live_clocks(case: Case, **filters: Any) -> list[Clock]:
    return [
        c
        for c in case.clocks.all()
        if c.state in filters.get("states", LIVE_CLOCK_STATES)
        and all(getattr(c, k) == v for k, v in filters.items() if k != "states")
    ]


class ClockChoiceMixin:
    clock_filters: ClassVar[dict[str, Any]] = {}

    def clock_choices(self) -> None:
        form: Any = self
        self.clocks = {str(c.pk): c for c in _live_clocks(form.case, **self.clock_filters)}
        form.fields["clock"].choices = [
            (pk, f"{c.label} ({c.clock_id}), due {_local(c.due_at, form.program)}")
            for pk, c in self.clocks.items()
        ]

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        form: Any = cls
        return case.state in form.states and bool(cls.offered_clocks(case))

    @classmethod
    def offered_clocks(cls, case: Case) -> list[Clock]:
        return _live_clocks(case, **cls.clock_filters)


def _local(value: dt.datetime | None, program: Program) -> str:
    return value.astimezone(program.tz).strftime("%b %-d, %Y %-I:%M %p %Z") if value else "—"


class RequestInformationForm(ActionForm):
    action, title, button = "request_information", "Request information", "Send the request"
    states = (S.RECEIVED, S.IN_REVIEW, S.REOPENED)
    items = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self) -> None:
        self.fields["items"].choices = item_choices(self.program)
        self.fields["items"].initial = list(self.case.missing)

    def run(self) -> str:
        info = sv.case_request_information(
            self.case,
            actor=self.user,
            items=self.cleaned_data["items"] or None,
            note=self.cleaned_data["note"],
            expected_version=self.expected,
        )
        return f"Information requested: {', '.join(info.items) or info.note}."


class ReceiveInformationForm(ActionForm):
    action, title, button = "receive_information", "Information received", "Record it"
    states = (S.AWAITING_INFORMATION, S.RECEIVED, S.IN_REVIEW, S.REOPENED)
    items = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    received_at = local_datetime("Received at", required=False)
    note = forms.CharField(required=False)

    def setup(self) -> None:
        self.fields["items"].choices = item_choices(self.program)
        # what was asked for is what is expected back: the open request's items, not all the
        # items missing at intake (ticking those closed a request without its EOB, issue 18)
        asked = [
            item
            for info in self.case.information_requests.all()
            if info.received_at is None
            for item in info.items
        ]
        self.fields["items"].initial = list(dict.fromkeys(asked)) if asked else []

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        return case.state in cls.states and (
            bool(case.missing) or case.state == S.AWAITING_INFORMATION
        )

    def run(self) -> str:
        sv.case_receive_information(
            self.case,
            actor=self.user,
            items=self.cleaned_data["items"],
            received_at=self.cleaned_data["received_at"],
            note=self.cleaned_data["note"],
            expected_version=self.expected,
        )
        return "Information recorded."


class ExtendForm(ClockChoiceMixin, ActionForm):
    action, title, button = "extend", "Extend a clock", "Extend"
    multipart = True
    clock = forms.ChoiceField()
    new_due_at = local_datetime("New due time")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    consent_document = forms.FileField(
        required=False,
        label="Written consent (PDF or image)",
        help_text="needed where the program requires the member's written permission",
    )

    def clean_consent_document(self) -> Any:
        upload = self.cleaned_data.get("consent_document")
        if upload:
            check_upload(upload)
        return upload

    @classmethod
    def offered_clocks(cls, case: Case) -> list[Clock]:
        return [c for c in _live_clocks(case) if c.extension_rule]

    def setup(self) -> None:
        self.clock_choices()
        self.clocks = {k: c for k, c in self.clocks.items() if c.extension_rule}
        self.fields["clock"].choices = [
            (k, v) for k, v in self.fields["clock"].choices if k in self.clocks
        ]

    def run(self) -> str:
        clock = self.clocks[self.cleaned_data["clock"]]
        upload = self.cleaned_data.get("consent_document")
        # the consent and the extension land together, or neither (nor its file)
        with transaction.atomic(), files_undone_on_error():
            consent = (
                document_store(upload, kind="written_consent", case=self.case, actor=self.user)
                if upload
                else None
            )
            clock = sv.clock_extend(
                clock,
                actor=self.user,
                new_due_at=self.cleaned_data["new_due_at"],
                reason=self.cleaned_data["reason"],
                consent_document=consent,
                expected_version=self.expected,
            )
        return f"{clock.label} extended to {_local(clock.due_at, self.program)}."


class PauseForm(ClockChoiceMixin, ActionForm):
    action, title, button = "pause", "Pause a clock", "Pause"
    clock_filters: ClassVar[dict[str, Any]] = {"pausable": True}
    clock = forms.ChoiceField()
    reason = forms.CharField()

    def setup(self) -> None:
        self.clock_choices()

    def run(self) -> str:
        clock = sv.clock_pause(
            self.clocks[self.cleaned_data["clock"]],
            actor=self.user,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )
        return f"{clock.label} paused."


class ResumeForm(ClockChoiceMixin, ActionForm):
    action, title, button = "resume", "Resume a clock", "Resume"
    clock_filters: ClassVar[dict[str, Any]] = {"states": (ClockState.PAUSED,)}
    clock = forms.ChoiceField()
    reason = forms.CharField(required=False)

    def setup(self) -> None:
        self.clock_choices()

    def run(self) -> str:
        clock = sv.clock_resume(
            self.clocks[self.cleaned_data["clock"]],
            actor=self.user,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )
        return f"{clock.label} resumed: due {_local(clock.due_at, self.program)}."


class AssignForm(ActionForm):
    action, title, button = "assign", "Assign", "Assign"
    owner = forms.ChoiceField(required=False, label="Case owner")
    reviewer = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    reason = forms.CharField(required=False)

    def setup(self) -> None:
        for name in ("owner", "reviewer"):
            choices = staff_choices()
            current = getattr(self.case, name)
            if current is not None and str(current.pk) not in {k for k, _ in choices}:
                choices.append((str(current.pk), f"{current.get_username()} (inactive)"))
            self.fields[name].choices = choices
        self.fields["team"].choices = [("", "—")] + [
            (str(t.pk), t.name) for t in Team.objects.filter(program=self.case.program)
        ]
        self.initial.update(
            owner=str(self.case.owner_id or ""),
            reviewer=str(self.case.reviewer_id or ""),
            team=str(self.case.team_id or ""),
        )

    def run(self) -> str:
        users = get_user_model().objects
        d = self.cleaned_data
        changes: dict[str, Any] = {}
        for name in ("owner", "reviewer"):
            if d[name] != str(getattr(self.case, f"{name}_id") or ""):
                changes[name] = users.get(pk=d[name]) if d[name] else None
        if d["team"] != str(self.case.team_id or ""):
            changes["team"] = Team.objects.get(pk=d["team"]) if d["team"] else None
        if not changes:
            raise InvalidInput("nothing changed: choose another owner, reviewer or team")
        sv.case_assign(
            self.case,
            actor=self.user,
            reason=d["reason"],
            expected_version=self.expected,
            **changes,
        )
        return "Assignment saved."


class DecideForm(ActionForm):
    action, title, button = "decide", "Decide", "Record the decision"
    states = (S.RECEIVED, S.IN_REVIEW, S.AWAITING_INFORMATION, S.REOPENED)
    outcome = forms.ChoiceField(
        choices=[(o, o.replace("_", " ")) for o in sv.DECISION_OUTCOMES],
        widget=forms.RadioSelect,
    )
    action_taken = forms.ChoiceField(
        label="What the upheld decision does", choices=ACTIONS_TAKEN, required=False
    )
    decided_at = local_datetime("Decided at", required=False, help_text="empty: now")
    letter_date = forms.DateField(
        required=False, widget=DateInput(), validators=[date_within_range]
    )
    rationale_template = forms.ChoiceField(
        label="Start from a rationale template",
        required=False,
        help_text="fills the rationale below for this case; edit it before recording",
    )
    reason = forms.CharField(
        label="Rationale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="goes into the decision letter as the reason for the decision: write it for "
        "the member",
    )
    decide_missing = forms.BooleanField(
        label="Decide without the missing records",
        required=False,
    )

    def setup(self) -> None:
        from appealdesk.correspondence.rationales import rationales_active

        # the required records still missing (SPEC 5.1: the pack's required items), by label
        labels = dict(item_choices(self.program))
        self.missing = [labels.get(m, m.replace("_", " ")) for m in self.case.missing or []]
        if self.missing:
            self.fields["decide_missing"].help_text = (
                f"still missing: {', '.join(self.missing)}. Request them first, or tick this to "
                "decide without them."
            )
        else:
            del self.fields["decide_missing"]
        self.rationales = {str(t.pk): t for t in rationales_active(self.case.program)}
        if self.rationales:
            field = self.fields["rationale_template"]
            field.choices = [("", "—")] + [
                (pk, f"{t.outcome.replace('_', ' ')}: {t.name} (v{t.version})")
                for pk, t in self.rationales.items()
            ]
            # picking one fills the rationale (htmx): the textarea comes back filled
            field.widget.attrs.update(
                {
                    "hx-get": reverse("desk:rationale_fill", args=[self.case.number]),
                    "hx-target": "#id_decide-reason",
                    "hx-swap": "outerHTML",
                    "hx-trigger": "change",
                }
            )
        else:
            del self.fields["rationale_template"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.missing and not data.get("decide_missing"):
            self.add_error(
                "decide_missing",
                f"Required records are missing: {', '.join(self.missing)}. Tick “Decide without "
                "the missing records” to record the decision anyway, or request them first.",
            )
        return data

    def run(self) -> str:
        d = self.cleaned_data
        sv.case_decide(
            self.case,
            actor=self.user,
            outcome=d["outcome"],
            action=d["action_taken"],
            decided_at=d["decided_at"],
            letter_date=d["letter_date"],
            reason=d["reason"],
            expected_version=self.expected,
        )
        return f"Decision recorded: {d['outcome'].replace('_', ' ')}."


class NoticeForm(ActionForm):
    action, title, button = "record_notice", "Record a notice", "Record the notice"
    states = (*OPEN_STATES, S.NOTIFIED)
    notice = forms.ChoiceField(
        choices=[("acknowledgement", "acknowledgement of receipt"), ("decision", "decision")]
    )
    medium = forms.ChoiceField(
        choices=[("written", "written (mailed or sent)"), ("verbal", "verbal (phone)")]
    )
    at = local_datetime("Sent or told at", required=False, help_text="empty: now")
    note = forms.CharField(required=False)

    def setup(self) -> None:
        if self.case.state in (S.DECIDED, S.NOTIFIED):
            self.initial.setdefault("notice", "decision")

    def run(self) -> str:
        d = self.cleaned_data
        sv.case_record_notice(
            self.case,
            actor=self.user,
            notice=d["notice"],
            medium=d["medium"],
            at=d["at"],
            note=d["note"],
            expected_version=self.expected,
        )
        return f"{d['medium'].capitalize()} {d['notice']} notice recorded."


class MilestoneForm(ActionForm):
    action, title, button = "milestone", "Record a program event", "Record it"
    milestone = forms.ChoiceField(label="Event")
    at = local_datetime("At", required=False, help_text="empty: now")
    note = forms.CharField(required=False)

    def setup(self) -> None:
        self.fields["milestone"].choices = list(self.program.pack.events.items())

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        return case.state in cls.states and bool(program.pack.events)

    def run(self) -> str:
        d = self.cleaned_data
        sv.case_record_milestone(
            self.case,
            actor=self.user,
            milestone=d["milestone"],
            at=d["at"],
            note=d["note"],
            expected_version=self.expected,
        )
        return f"{self.program.pack.events[d['milestone']]} recorded."


class ReclassifyForm(ActionForm):
    action, title, button = "reclassify", "Reclassify", "Reclassify"
    states = (*OPEN_STATES, S.REDIRECTED)
    requested = forms.ChoiceField(label="Take it as", choices=REQUESTED, required=False)
    category = forms.ChoiceField(required=False)
    level = forms.TypedChoiceField(
        choices=[("", "(unchanged)"), ("1", "1"), ("2", "2")],
        coerce=int,
        required=False,
        empty_value=None,
    )
    expedited = forms.ChoiceField(
        choices=[("", "(unchanged)"), ("yes", "yes"), ("no", "no")], required=False
    )
    reason = forms.CharField()

    def setup(self) -> None:
        self.fields["category"].choices = [("", "(unchanged)")] + [
            (cid, c.label) for cid, c in self.program.pack.categories.items()
        ]

    def run(self) -> str:
        d = self.cleaned_data
        changes = {
            "requested": d["requested"] or None,
            "category": d["category"] or None,
            "level": d["level"],
            "expedited": tri_state(d["expedited"]),
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            raise InvalidInput("choose what changes: kind, category, level or expedited")
        case = sv.case_reclassify(
            self.case,
            actor=self.user,
            changes=changes,
            reason=d["reason"],
            expected_version=self.expected,
        )
        return f"Reclassified: now {case.kind.replace('_', ' ')}."


class DismissForm(ActionForm):
    action, title, button = "dismiss", "Dismiss", "Dismiss the case"
    states = (S.RECEIVED, S.IN_REVIEW, S.AWAITING_INFORMATION, S.REOPENED)
    reason = forms.ChoiceField(
        choices=[
            ("untimely", "untimely: filed after the deadline"),
            ("not_appealable", "not appealable"),
            ("withdrawn", "withdrawn by the person"),
        ]
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self) -> None:
        rejection = (self.case.assessment or {}).get("rejection") or {}
        if rejection.get("code") in sv.DISMISSAL_REASONS:
            self.initial.setdefault("reason", rejection["code"])
            self.initial.setdefault("note", rejection.get("message", ""))

    def run(self) -> str:
        sv.case_dismiss(
            self.case,
            actor=self.user,
            reason=self.cleaned_data["reason"],
            note=self.cleaned_data["note"],
            expected_version=self.expected,
        )
        return "Case dismissed."


class CloseForm(ActionForm):
    action, title, button = "close", "Close", "Close the case"
    states = (S.NOTIFIED,)
    note = forms.CharField(required=False)

    def run(self) -> str:
        sv.case_close(
            self.case,
            actor=self.user,
            note=self.cleaned_data["note"],
            expected_version=self.expected,
        )
        return "Case closed."


class ReopenForm(ActionForm):
    action, title, button = "reopen", "Reopen", "Reopen the case"
    states = (S.DECIDED, S.NOTIFIED, S.CLOSED, S.DISMISSED, S.REDIRECTED)
    reason = forms.CharField()

    def run(self) -> str:
        sv.case_reopen(
            self.case,
            actor=self.user,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )
        return "Case reopened."


class EscalateForm(ActionForm):
    action, title, button = "escalate", "Next level or independent review", "Take in the request"
    states = (S.DECIDED, S.NOTIFIED, S.CLOSED, S.DISMISSED)
    requested = forms.ChoiceField(
        choices=[("appeal", "next-level appeal"), ("external_review", "independent review (IRO)")]
    )
    received_at = local_datetime("Received at")
    channel = forms.ChoiceField(choices=CHANNEL_CHOICES, initial="mail")
    filed_by = forms.ChoiceField(choices=[("", "(as before)"), *FILER_CHOICES], required=False)
    expedited = forms.ChoiceField(
        choices=[("", "(as the rules say)"), ("yes", "yes"), ("no", "no")], required=False
    )
    backdate_reason = forms.CharField(required=False, label="Why is it entered late?")
    summary = forms.CharField(required=False)

    def setup(self) -> None:
        self.initial.setdefault("received_at", timezone.now().astimezone(self.program.tz))

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        """Offered where the pack has somewhere to go: the process's next level after a
        decision, or independent review when a binding deadline was missed (a Genex grievance
        has neither, so its page offers neither)."""
        pack = program.pack
        process = pack.process_for(case.kind, case.level)
        if case.state in cls.states and process is not None and process.next_level:
            return True
        missed = any(
            c.state == ClockState.MISSED and c.binding and c.met_at is None
            for c in case.clocks.all()
        )
        has_review = pack.process_for("external_review", None) is not None
        return case.is_open and missed and has_review and case.kind != "external_review"

    def run(self) -> str:
        d = self.cleaned_data
        linked = sv.case_escalate(
            self.case,
            actor=self.user,
            received_at=d["received_at"].astimezone(self.program.tz).isoformat(),
            channel=d["channel"],
            requested=d["requested"],
            filed_by=d["filed_by"] or None,
            expedited=tri_state(d["expedited"]),
            backdate_reason=d["backdate_reason"],
            summary=d["summary"],
        )
        self.linked = linked
        verdict = "" if linked.disposition == "accept" else f" ({linked.disposition})"
        return f"Linked case {linked.number} taken in{verdict}."


class AskConsentForm(ActionForm):
    """The member's written permission asked for online (UMP appeals past 30 days), where the
    clock's pack rule requires it; the member answers on the portal."""

    action, title, button = "ask_consent", "Ask the member for consent online", "Ask"
    clock = forms.ChoiceField()
    # no range validator: "at most a year ahead" (clean_new_due_date) is stricter, and says so
    new_due_date = forms.DateField(label="New due date", widget=DateInput())
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="the member reads this: say plainly why more time is needed",
    )

    def setup(self) -> None:
        self.clocks = {str(c.pk): c for c in consent_clocks(self.case)}
        self.fields["clock"].choices = [
            (k, f"{c.label} ({c.clock_id}), due {_local(c.due_at, self.program)}")
            for k, c in self.clocks.items()
        ]

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        # consent_clocks' rule, read from the prefetched clocks
        return case.state in cls.states and any(
            c.state in LIVE_CLOCK_STATES
            and c.due_at is not None
            and (c.extension_rule or {}).get("requires") == "written_consent"
            for c in case.clocks.all()
        )

    def clean_new_due_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["new_due_date"]
        latest = timezone.localdate() + dt.timedelta(days=366)
        if day > latest:
            raise forms.ValidationError(f"At most a year ahead (by {latest:%B %-d, %Y}).")
        return day

    def run(self) -> str:
        new_due_at = dt.datetime.combine(
            self.cleaned_data["new_due_date"], dt.time(23, 59, 59), tzinfo=self.program.tz
        )
        consent_ask(
            self.case,
            clock=self.clocks[self.cleaned_data["clock"]],
            actor=self.user,
            new_due_at=new_due_at,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )
        return "Consent asked for on the portal; the clock changes only when the member agrees."


class CaseFileSentForm(ActionForm):
    """A portal request for the free copy of the case file, marked as sent."""

    action, title, button = "case_file_sent", "Case file copy sent", "Mark as sent"
    states = tuple(S)
    request = forms.ChoiceField(label="Request")

    def setup(self) -> None:
        self.requests = {
            str(r.pk): r
            for r in CaseFileRequest.objects.filter(case=self.case, fulfilled_at__isnull=True)
        }
        self.fields["request"].choices = [
            (k, f"asked {_local(r.requested_at, self.program)}") for k, r in self.requests.items()
        ]

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        return CaseFileRequest.objects.filter(case=case, fulfilled_at__isnull=True).exists()

    def run(self) -> str:
        case_file_fulfil(self.requests[self.cleaned_data["request"]], actor=self.user)
        return "Case file copy recorded as sent."


class NoteForm(ActionForm):
    """An internal note (staff only); @username tells a colleague who may see the case."""

    action, title, button = "note", "Add an internal note", "Add the note"
    text = forms.CharField(
        label="Note",
        max_length=sv.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Write @username to tell a colleague who may see this case.",
    )

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        return True  # a note may be added to a case in any state

    def run(self) -> str:
        event = sv.case_note_add(self.case, actor=self.user, text=self.cleaned_data["text"])
        told, not_told = event.after["mentioned"], event.after["not_told"]
        done = "Note added."
        if told:
            done += f" Told: {', '.join(told)}."
        if not_told:
            done += (
                f" Not told (no such colleague, or not allowed to see this case): "
                f"{', '.join(not_told)}."
            )
        return done


class ReturnToAnalystForm(ActionForm):
    action, title, button = "return_to_analyst", "Return to the analyst", "Return the case"
    states = sv.RETURNABLE
    reason = forms.CharField(
        label="What the analyst must do",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The analyst is told; you are taken off the case until it is assigned again.",
    )

    @classmethod
    def offered(cls, case: Case, program: Program) -> bool:
        return case.state in cls.states and case.reviewer_id is not None

    def run(self) -> str:
        case = sv.case_return_to_analyst(
            self.case,
            actor=self.user,
            reason=self.cleaned_data["reason"],
            expected_version=self.expected,
        )
        return f"Case {case.number} returned to {case.owner}."


ACTION_FORMS: dict[str, type[ActionForm]] = {
    f.action: f
    for f in (
        AssignForm,
        RequestInformationForm,
        ReceiveInformationForm,
        NoticeForm,
        MilestoneForm,
        DecideForm,
        ExtendForm,
        PauseForm,
        ResumeForm,
        ReclassifyForm,
        DismissForm,
        CloseForm,
        ReopenForm,
        EscalateForm,
        AskConsentForm,
        CaseFileSentForm,
        ReturnToAnalystForm,
        NoteForm,
    )
}


class BulkAssignForm(forms.Form):
    """The new owner and why; the checked cases are matched against those the user may see."""

    owner = forms.ChoiceField(label="New owner")
    reason = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = staff_choices()[1:]
