"""File fields of the portal's forms: each upload checked with `cases.documents.check_upload`
(PDF or image by its content, within the size limit) when the form is validated, with an error
the person can act on; nothing is stored here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from appealdesk.cases.documents import check_upload
from appealdesk.cases.errors import DomainError


def checked_upload(upload: Any) -> Any:
    """The upload if it is a PDF or an image within the size limit; else a form error."""
    try:
        check_upload(upload)
    except DomainError as exc:
        raise forms.ValidationError(
            _(
                "%(name)s cannot be sent: it must be a real PDF or picture (PNG, JPEG, "
                "GIF, TIFF) and not too large. Scan or save it as a PDF and try again."
            )
            % {"name": upload.name}
        ) from exc
    return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input, each checked; `max_files` bounds how many at a time."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_files = max_files

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.max_files is not None and len(files) > self.max_files:
            raise forms.ValidationError(
                _("Send at most %(n)s files at a time.") % {"n": self.max_files}
            )
        return [checked_upload(super(FilesField, self).clean(f, initial)) for f in files]
