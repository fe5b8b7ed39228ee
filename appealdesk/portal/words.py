"""Plain words for members: what a kind of request is and where it stands, translated."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from appealdesk.cases.models import Case

KINDS = {
    "complaint": _l("complaint"),
    "grievance": _l("grievance"),
    "appeal": _l("appeal"),
    "expedited_appeal": _l("expedited (urgent) appeal"),
    "external_review": _l("independent review"),
    "clinical_appeal": _l("clinical appeal"),
}

# where a case stands, as the person who filed it should read it
STATES = {
    "received": pgettext_lazy("case state", "Received"),
    "in_review": pgettext_lazy("case state", "Being reviewed"),
    "awaiting_information": pgettext_lazy("case state", "Waiting for information from you"),
    "decided": pgettext_lazy("case state", "Decided, letter on its way"),
    "notified": pgettext_lazy("case state", "Decided"),
    "closed": pgettext_lazy("case state", "Closed"),
    "dismissed": pgettext_lazy("case state", "Not reviewed"),
    "redirected": pgettext_lazy("case state", "Sent to the right place"),
    "reopened": pgettext_lazy("case state", "Reopened"),
}

OUTCOMES = {
    "upheld": _l("the decision stands (upheld)"),
    "overturned": _l("decided in your favour (overturned)"),
    "partially_overturned": _l("partly in your favour (partially overturned)"),
    "withdrawn": _l("withdrawn"),
    "dismissed": _l("not reviewed (dismissed)"),
}


def kind_words(case: Case) -> str:
    words = str(KINDS.get(case.kind, case.kind))
    if case.kind == "appeal" and case.level:
        return str(_l("level %(level)s appeal") % {"level": case.level})
    return words


def state_words(case: Case) -> str:
    return str(STATES.get(case.state, case.state))
