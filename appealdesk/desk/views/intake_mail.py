"""Intake from a mailroom item ("open as a new case"): the form starts from what reading found,
the receipt instant is the item's (fixed, to the second: the clocks run from it, not from when
the clerk opened the fax), and on confirm the item's pages become the new case's documents in
the same transaction as `case_receive` (`item_opened_as_case`): both stand or fall together."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone

from appealdesk.access import roles
from appealdesk.access.log import log_members
from appealdesk.desk.forms import IntakeForm, member_party
from appealdesk.desk.mailroom_reads import visible_items
from appealdesk.desk.views.intake_fhir import bundle_of_item, prefill_from
from appealdesk.desk.views.mailroom import item_for
from appealdesk.mailroom import services
from appealdesk.mailroom.models import Item

# the assess input's fields the intake form has under the same name
PREFILLED = ("channel", "filed_by", "requested", "category", "service", "text", "notice_date")


def _item_id(request: HttpRequest) -> int | None:
    return roles.as_int(request.POST.get("item") or request.GET.get("item"))


def item_for_intake(request: HttpRequest) -> Item | None:
    """The item the intake form was opened from (`?item=` or the form's hidden field), if the
    user may read it (logged); 404 (refusal logged) if not; None without one."""
    pk = _item_id(request)
    return None if pk is None else item_for(request, pk, what="intake from mailroom item")


def item_for_assess(request: HttpRequest) -> Item | None:
    """The same item for the live assessment panel, read for its receipt instant only (no
    content shown, so each keystroke is not an access-log row)."""
    pk = _item_id(request)
    return None if pk is None else visible_items(request.user).filter(pk=pk).first()


def prefill(item: Item, request: HttpRequest) -> tuple[dict[str, Any], Any]:
    """The form's initial values from `item_intake_prefill`, and the matched member if the
    user may read that member's record (shown checked: a read, logged)."""
    data = services.item_intake_prefill(item)
    request_data = data["request"]
    initial: dict[str, Any] = {k: request_data[k] for k in PREFILLED if request_data.get(k)}
    initial["expedited"] = bool(request_data.get("expedited"))
    initial["received_at"] = item.received_at
    initial["summary"] = data["summary"][:500]
    initial["backdate_reason"] = data["backdate_reason"]
    found = data["member"]
    member = member_party(found.pk, request.user) if found is not None else None
    if member is not None:
        initial["member"] = member.pk
        log_members(request, [member], "intake member")
    else:  # a new member: what reading found of them, to check against the document
        matched = (item.proposal or {}).get("matched") or {}
        names = matched.get("names") or []
        if names:  # the name as written after "Member:", "Patient name:"…
            initial["member_name"] = names[0]
        if matched.get("subscriber_ids") and not matched.get("member_id"):
            initial["subscriber_id"] = matched["subscriber_ids"][0]
        births = matched.get("dates_of_birth") or []
        if len(births) == 1:  # one reading only: two (01/02 in Spanish) is for the clerk to say
            initial["member_birth_date"] = births[0]
    bundle = bundle_of_item(item)
    if bundle is not None and request_data.get("program"):
        # the item carries the denial as FHIR data: what it says wins over the text's reading
        from_fhir, fhir_member, problems = prefill_from(
            request, bundle, request_data["program"], item.received_at
        )
        for problem in problems:
            messages.warning(request, f"The item's FHIR bundle could not be read: {problem}")
        initial.update({k: v for k, v in from_fhir.items() if k not in ("received_at", "summary")})
        member = fhir_member or member
    return initial, member


def lock_receipt(form: IntakeForm, item: Item | None) -> None:
    """With an item, the receipt instant is the item's and cannot be typed over."""
    form.mail_item = item  # type: ignore[attr-defined]
    if item is None:
        return
    field = form.fields["received_at"]
    field.disabled = True
    field.help_text = f"the item's receipt instant ({item.received_basis}); the clocks run from it"


def item_of(form: IntakeForm) -> Item | None:
    return getattr(form, "mail_item", None)


def exact_receipt(request_data: dict[str, Any], item: Item | None) -> dict[str, Any]:
    """The assess input with the item's receipt instant to the second (the form's field shows
    minutes)."""
    if item is None:
        return request_data
    return {**request_data, "received_at": timezone.localtime(item.received_at).isoformat()}


def opened_as_case(request: HttpRequest, item: Item, case: Any) -> None:
    services.item_opened_as_case(
        item,
        case=case,
        actor=request.user,
        expected_version=roles.as_int(request.POST.get("item_version")),
    )
