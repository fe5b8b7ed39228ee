"""The guided filing form and the next-level form (plain words, every string translated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from appealdesk.access.scope import represented_members
from appealdesk.accounts.models import PortalAccount
from appealdesk.cases.ranges import date_within_range
from appealdesk.portal import common, filing
from appealdesk.portal.uploads import FilesField

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]
SELF = "self"


def _radio(label: Any, choices: Any, **kw: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, required=False, **kw
    )


def _date(label: Any, help_text: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_within_range],
    )


def _text(label: Any, help_text: Any = "", *, area: bool = False, **kw: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 4}) if area else forms.TextInput()
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=widget,
        max_length=kw.pop("max_length", 4000),
        **kw,
    )


class FilingForm(forms.Form):
    # -- the questions -----------------------------------------------------------------------
    for_whom = _radio(_l("Who is this request for?"), [])
    program = _radio(_l("Which plan is it about?"), list(filing.PROGRAMS.items()))
    denied = _radio(_l("Was a payment or service denied?"), YES_NO)
    service = _radio(_l("Is it about a prescription?"), filing.SERVICES)
    harm = _radio(
        _l("Could waiting harm your health?"),
        YES_NO,
        help_text=_l(
            "For example: waiting the usual 30 days could seriously harm your life, health or "
            "ability to function, or you are in severe pain."
        ),
    )
    category = _radio(
        _l("What is it about?"),
        [
            (_l("Uniform Medical Plan"), filing.CATEGORIES["ump"]),
            (_l("Genex (workers' compensation review)"), filing.CATEGORIES["genex-ur"]),
        ],
    )
    notice_date = _date(
        _l("Date on the denial notice"),
        _l(
            "UMP: the date on the letter or Explanation of Benefits that told you about "
            "the decision."
        ),
    )
    occurrence_date = _date(
        _l("Date it happened"),
        _l(
            "Genex: the day of the late decision, the review, or the contact you are unhappy about."
        ),
    )

    # -- UMP appeal details (ump.yaml required items) ------------------------------------------
    subscriber_name = _text(
        _l("Subscriber's full name"), _l("The employee or retiree covered by the plan.")
    )
    patient_name = _text(
        _l("Patient's full name"), _l("Who got the care (you or a family member).")
    )
    subscriber_id = _text(
        _l("Subscriber ID"),
        _l("On the plan card: the letter W followed by numbers, for example W1234567."),
        max_length=40,
    )
    providers = _text(_l("Doctors or providers involved"))
    service_dates = _text(
        _l("Dates of service"), _l("When you got the care, for example March 2, 2026.")
    )
    mailing_address = _text(_l("Mailing address"), area=True)
    daytime_phone = _text(_l("Daytime phone number"), max_length=40)
    statement = _text(
        _l("What is the problem, and what are you asking for?"),
        _l("In your own words. You may also attach a letter."),
        area=True,
        max_length=20000,
    )
    eob = FilesField(label=_l("Explanation of Benefits (EOB)"), help_text=_l("PDF or picture."))
    medical_records = FilesField(
        label=_l("Medical records"),
        help_text=_l("From your provider, if the denial was about medical need."),
    )
    other_files = FilesField(label=_l("Other documents"))

    # -- Genex formal grievance: exactly the form's fields (genex-ur.yaml required items) ------
    party_name = _text(_l("Name"))
    party_address = _text(_l("Address"), area=True)
    party_phone = _text(_l("Telephone number"), max_length=40)
    summary = _text(_l("Summary of the grievance"), area=True, max_length=20000)
    contact_history = _text(
        _l("History of any previous contact with Genex"),
        _l("When you called or wrote before, and who you spoke to, if you know."),
        area=True,
    )
    relief_sought = _text(_l("What you want Genex to do (relief sought)"), area=True)

    # -- e-mail and signature ------------------------------------------------------------------
    email_letters = forms.BooleanField(
        label=_l("E-mail me my letters (instead of only by post)"), required=False
    )
    typed_name = _text(
        _l("Type your full name to sign"),
        _l("It must match the name on your account."),
        max_length=200,
    )
    agree = forms.BooleanField(label=filing.SIGN_STATEMENT, required=False)

    QUESTIONS = (
        "for_whom",
        "program",
        "denied",
        "service",
        "harm",
        "category",
        "notice_date",
        "occurrence_date",
    )

    def __init__(self, *args: Any, account: PortalAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        choices: list[tuple[str, Any]] = []
        if account.kind == PortalAccount.MEMBER:
            choices.append((SELF, _l("Myself")))
        self.members = {str(p.pk): p for p in represented_members(account)}
        choices += [(pk, p.name) for pk, p in self.members.items()]
        self.fields["for_whom"].choices = choices
        if len(choices) == 1 and not self.is_bound:
            self.initial.setdefault("for_whom", choices[0][0])

    # what the person chose ------------------------------------------------------------------
    @property
    def program_id(self) -> str:
        return (self.cleaned_data.get("program") or "") if hasattr(self, "cleaned_data") else ""

    def member(self) -> Any:
        chosen = self.cleaned_data.get("for_whom")
        if chosen == SELF and self.account.kind == PortalAccount.MEMBER:
            return self.account.party
        return self.members.get(chosen or "")

    def filed_by(self) -> str:
        return "member" if self.cleaned_data.get("for_whom") == SELF else "authorized_rep"

    def clean_subscriber_id(self) -> str:
        value = "".join(str(self.cleaned_data.get("subscriber_id") or "").split()).upper()
        if value and not filing.SUBSCRIBER_ID.match(value):
            raise forms.ValidationError(
                _(
                    "A subscriber ID starts with the letter W followed by numbers, for example "
                    "W1234567. It is on your plan card."
                )
            )
        return value

    def _no_future(self, name: str) -> None:
        value = self.cleaned_data.get(name)
        if isinstance(value, dt.date) and value > timezone.localdate() + dt.timedelta(days=1):
            self.add_error(name, _("This date is in the future."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("for_whom"):
            self.add_error("for_whom", _("Choose who this request is for."))
        if not data.get("program"):
            self.add_error("program", _("Choose the plan."))
        category = data.get("category")
        program = data.get("program")
        if category and program and category not in dict(filing.CATEGORIES[program]):
            self.add_error("category", _("Choose one of the answers for this plan."))
        self._no_future("notice_date")
        self._no_future("occurrence_date")
        return data

    def check_details(self) -> None:
        """On filing: what the form needs before it can be sent (the engine lists the rest)."""
        data = self.cleaned_data
        if data.get("program") == "genex-ur":
            for name in filing.GENEX_FIELDS:
                if not str(data.get(name) or "").strip():
                    self.add_error(name, _("The grievance form needs this."))
        elif not str(data.get("statement") or "").strip():
            self.add_error("statement", _("Tell us in a few words what the problem is."))
        if not data.get("agree"):
            self.add_error("agree", _("Tick the box to sign."))
        if not common.name_matches(str(data.get("typed_name") or ""), self.account):
            self.add_error(
                "typed_name",
                _("The name you typed does not match the name on your account (%(name)s).")
                % {"name": self.account.party.name},
            )

    def category_groups(self) -> list[dict[str, Any]]:
        """The category radios in one group per plan (nested fieldsets, each with a legend)."""
        radios = list(self["category"])
        groups, start = [], 0
        for program, label in (
            ("ump", _l("Uniform Medical Plan")),
            ("genex-ur", _l("Genex (workers' compensation review)")),
        ):
            count = len(filing.CATEGORIES[program])
            groups.append(
                {"program": program, "label": label, "radios": radios[start : start + count]}
            )
            start += count
        return groups

    def upload_names(self) -> list[str]:
        data = getattr(self, "cleaned_data", {})
        return [name for name in ("eob", "medical_records") if data.get(name)]


class NextLevelForm(forms.Form):
    statement = forms.CharField(
        label=_l("Why do you disagree with the decision, and what are you asking for?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
    )
    testimony = FilesField(
        label=_l("Written testimony (optional)"),
        help_text=_l(
            "A signed statement from you or someone else for the reviewers to read. PDF or picture."
        ),
    )
    typed_name = forms.CharField(
        label=_l("Type your full name to sign"),
        help_text=_l("It must match the name on your account."),
        max_length=200,
    )
    agree = forms.BooleanField(label=filing.SIGN_STATEMENT)

    def __init__(self, *args: Any, account: PortalAccount, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_typed_name(self) -> str:
        value = str(self.cleaned_data.get("typed_name") or "")
        if not common.name_matches(value, self.account):
            raise forms.ValidationError(
                _("The name you typed does not match the name on your account (%(name)s).")
                % {"name": self.account.party.name}
            )
        return value
