"""The mailroom's desk forms: attach to a case, split by pages, not a request, a batch of scans.
Each is checked here for what a person typed; the rules are the mailroom services'."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone

from appealdesk.desk.forms import DateInput, MultipleFileField, item_choices
from appealdesk.mailroom.models import NotARequest
from appealdesk.policy import default_registry
from appealdesk.policy.assess import program_for


def _all_item_choices() -> list[tuple[str, str]]:
    """The required items of every program in force (the case is typed by number, so its
    program is not known when the form is built)."""
    registry = default_registry()
    today = timezone.localdate()
    seen: dict[str, str] = {}
    for name in registry.programs():
        for key, label in item_choices(program_for(registry.in_force(name, today))):
            seen.setdefault(key, label)
    return sorted(seen.items(), key=lambda pair: pair[1])


class ItemActionForm(forms.Form):
    """`version` is the item version the clerk saw (two clerks on one fax: the second is told)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AttachForm(ItemActionForm):
    case_number = forms.CharField(
        label="Case number",
        max_length=60,
        help_text="the case this is information for, e.g. UMP-2026-0000012",
    )
    items = forms.MultipleChoiceField(
        label="What it provides",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="the missing items this document supplies; the case's paused clocks resume",
    )
    note = forms.CharField(label="Note", required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = _all_item_choices()

    def clean_case_number(self) -> str:
        return str(self.cleaned_data["case_number"]).strip().upper()


RANGE = re.compile(r"^\s*(\d{1,5})\s*(?:-\s*(\d{1,5}))?\s*$")


class SplitForm(ItemActionForm):
    ranges = forms.CharField(
        label="Page ranges",
        max_length=200,
        help_text="one range per request, separated by commas, e.g. 1-2, 3-5",
    )

    def clean_ranges(self) -> list[tuple[int, int]]:
        out = []
        for piece in str(self.cleaned_data["ranges"]).split(","):
            if not piece.strip():
                continue
            match = RANGE.match(piece)
            if match is None:
                raise forms.ValidationError(
                    f"“{piece.strip()}” is not a page range: write it as 3-5 (or 4 for one page)"
                )
            first = int(match.group(1))
            out.append((first, int(match.group(2) or first)))
        if not out:
            raise forms.ValidationError("give at least one page range, e.g. 1-2, 3-5")
        return out


class NotARequestForm(ItemActionForm):
    reason = forms.ChoiceField(label="Why it is not a request", choices=NotARequest.choices)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        help_text="required for “other”; e.g. meant for the pharmacy benefit manager",
    )


class ScanBatchForm(forms.Form):
    """A batch of paper mail scanned together: the files and the date on the mailroom's stamp."""

    program = forms.ChoiceField(
        label="Program",
        help_text="whose mail it is: its time zone sets the day the stamp means",
    )
    stamped_on = forms.DateField(
        label="Date-stamp on the mail",
        widget=DateInput(),
        help_text="the day the mail was received, as stamped on the paper (the clocks run from it)",
    )
    files = MultipleFileField(label="Scanned files (PDF or TIFF, many at once)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registry = default_registry()
        today = timezone.localdate()
        self.fields["program"].choices = [
            (name, registry.in_force(name, today).pack.name) for name in registry.programs()
        ]
        self.fields["files"].widget.attrs["accept"] = "application/pdf,image/tiff,.pdf,.tif,.tiff"

    def clean_files(self) -> list[Any]:
        # the service checks each file's content and size, and refuses one file, not the batch
        return list(self.files.getlist("files"))
