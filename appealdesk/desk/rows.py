"""The worklist's rows rendered in Python (issue 22 item 3): the template engine spent about
three quarters of the page's time resolving some fifty variables, two includes and five date
filters for each of fifty rows. Here each row is one f-string, every value escaped with the
standard library's `html.escape` (the same five characters as Django's `escape`, without its
lazy-string and SafeString checks: `format_html` still cost 0.8 ms a row).
The markup is the one `_worklist_rows.html` had (the tests and `desk.js` read it)."""

from __future__ import annotations

import datetime as dt
from html import escape as e
from typing import Any
from urllib.parse import quote

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from appealdesk.cases.selectors import WorkItem
from appealdesk.desk.timeleft import Status

SPOKEN = {
    "red": "Overdue: ",
    "amber": "At risk: ",
    "green": "On time: ",
    "target": "Target, not a deadline: ",
}


def rag_html(st: Status | None) -> str:
    """`_rag.html` in Python: the badge with its colour named for screen readers (escaped)."""
    if not st:
        return ""
    spoken = SPOKEN.get(st.rag)
    prefix = f'<span class="sr-only">{spoken}</span>' if spoken else ""
    return f'<span class="rag rag-{e(st.rag)}">{prefix}{e(st.words)}</span>'


def _words(value: Any) -> str:
    return e(str(value or "").replace("_", " "))


def _day(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local.year}"


def _due(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local.hour % 12 or 12}:{local:%M %p %Z}"


UNREAD = (
    ' <span class="badge unread" title="unread notifications">new<span class="sr-only">'
    " notifications</span></span>"
)
EXPEDITED = ' <span class="badge exp">expedited</span>'


def row_html(
    item: WorkItem,
    st: Status,
    target: Status | None,
    *,
    unread: bool,
    bulk: bool,
    username: str,
    cases_url: str,
) -> SafeString:
    """One row; `cases_url` is the desk's case URLs' prefix (reversed once a page)."""
    number = e(item.number)
    due = item.next_due_at
    pick = (
        f'<td class="pick"><input type="checkbox" name="cases" value="{number}" '
        f'id="pick-{item.id}" aria-label="Select {number}"><input type="hidden" '
        f'name="version-{number}" value="{item.version}"></td>'
        if bulk
        else ""
    )
    deadline = rag_html(st)
    if st.rag != "none":
        deadline += f'<br><span class="small muted">{e(_due(due))}</span>'
    if target:
        deadline += f"<br>{rag_html(target)}"
    level = f" L{item.level}" if item.level else ""
    mine = (
        f' <button type="submit" class="secondary small-button" name="mine" value="{number}">'
        f'Assign to me<span class="sr-only">: {number}</span></button>'
        if bulk and item.owner != username
        else ""
    )
    member = e(item.member_name or "")
    owner = e(item.owner or "")
    sort_due = f"{0 if item.expedited else 1}{timezone.localtime(due).isoformat() if due else ''}"
    href = f"{cases_url}{quote(item.number)}/"
    # every value is escaped above or here
    return mark_safe(
        f'<tr class="case-row{" expedited" if item.expedited else ""}" data-number="{number}" '
        f'data-due="{sort_due}" '
        f'data-kind="{e(item.kind)}" data-member="{member}" data-state="{e(item.state)}" '
        f'data-owner="{owner}">\n'
        f"      {pick}\n"
        f'      <td class="case-number" data-label="Case"><a href="{href}">'
        f"{number}</a>{UNREAD if unread else ''}<br>"
        f'<span class="small muted">{_day(item.received_at)}</span></td>\n'
        f'      <td data-label="Deadline">{deadline}</td>\n'
        f'      <td data-label="Kind">{_words(item.kind)}{level}'
        f"{EXPEDITED if item.expedited else ''}<br>"
        f'<span class="small muted">{_words(item.category)}</span></td>\n'
        f'      <td data-label="Member">{member or "—"}<br>'
        f'<span class="small muted">{e(item.subscriber_id or "")}</span></td>\n'
        f'      <td data-label="State">{_words(item.state)}<br>'
        f'<span class="small muted">{e(item.handler or "")}</span></td>\n'
        f'      <td data-label="Owner">{owner or "—"}{mine}<br>'
        f'<span class="small muted">{e(item.team or "")}</span></td>\n'
        "    </tr>"
    )
