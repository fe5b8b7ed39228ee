"""Every change to a case: one function each, one transaction, one event, optimistic locking.

Each service takes the version of the case the caller saw (`expected_version`); a stale version
is refused with who changed the case and when, and nothing is written. Due dates are never
edited: they are computed by the policy engine, then extended, paused or recomputed by
reclassification, each with a reason and an event.

One module per stage of a case; callers import from here (`from appealdesk.cases import
services as sv`), so the split is not theirs to know. The underscored helpers re-exported
below are the ones other packages build their own case changes with (optimistic locking, the
event row).
"""

from appealdesk.cases.services._common import (
    BACKDATE_GRACE,
    DECISION_OUTCOMES,
    DISMISSAL_REASONS,
    FUTURE_GRACE,
    NO_DUE,
    TRANSITIONS,
    _event,
    _fresh,
    _jsonable,
    _label,
    _save,
    _stale,
    _user,
)
from appealdesk.cases.services.clocks import clock_extend, clock_pause, clock_resume
from appealdesk.cases.services.closing import case_close, case_dismiss, case_reopen
from appealdesk.cases.services.escalation import case_escalate
from appealdesk.cases.services.information import (
    case_receive_information,
    case_request_information,
)
from appealdesk.cases.services.intake import case_receive, case_reclassify
from appealdesk.cases.services.notes import (
    INTERNAL_ACTIONS,
    NOTE_MAX,
    RETURNABLE,
    case_note_add,
    case_return_to_analyst,
    mentioned_names,
)
from appealdesk.cases.services.notices import (
    NOTICE_MILESTONES,
    case_record_milestone,
    case_record_notice,
)
from appealdesk.cases.services.parties import language_of, party_language_set
from appealdesk.cases.services.review import case_assign, case_decide, check_reviewer
from appealdesk.cases.services.sweep import clocks_refresh, clocks_sweep

__all__ = [
    "BACKDATE_GRACE",
    "DECISION_OUTCOMES",
    "DISMISSAL_REASONS",
    "FUTURE_GRACE",
    "INTERNAL_ACTIONS",
    "NOTE_MAX",
    "NOTICE_MILESTONES",
    "NO_DUE",
    "RETURNABLE",
    "TRANSITIONS",
    "_event",
    "_fresh",
    "_jsonable",
    "_label",
    "_save",
    "_stale",
    "_user",
    "case_assign",
    "case_close",
    "case_decide",
    "case_dismiss",
    "case_escalate",
    "case_note_add",
    "case_receive",
    "case_receive_information",
    "case_reclassify",
    "case_record_milestone",
    "case_record_notice",
    "case_reopen",
    "case_request_information",
    "case_return_to_analyst",
    "check_reviewer",
    "clock_extend",
    "clock_pause",
    "clock_resume",
    "clocks_refresh",
    "clocks_sweep",
    "language_of",
    "mentioned_names",
    "party_language_set",
]
