"""The packs' labels a member can read on the portal, for the translation catalogue.

Generated from the packs by `python -m appealdesk.portal.packtext` (run by
`./dev messages`); do not edit by hand.
"""

from django.utils.translation import gettext_noop

PACK_STRINGS = [
    gettext_noop("A copy of the Explanation of Benefits"),
    gettext_noop("A description of the relief sought"),
    gettext_noop("A history of any previous contact made with Genex"),
    gettext_noop("A statement of what the issue is and what you are asking for"),
    gettext_noop("A summary of the grievance"),
    gettext_noop("Acknowledge receipt of the grievance"),
    gettext_noop("Clinical appeals consideration"),
    gettext_noop("Complaint"),
    gettext_noop("Confirm receipt of the appeal"),
    gettext_noop("Decide the appeal (target)"),
    gettext_noop("Decide the appeal and send notice of the action"),
    gettext_noop("Decide the expedited appeal"),
    gettext_noop("Decide the grievance and notify the enrollee"),
    gettext_noop("Decide the quality-of-care grievance and respond in writing"),
    gettext_noop("Expedited appeal"),
    gettext_noop("First-level appeal"),
    gettext_noop("Formal grievance"),
    gettext_noop("Grievance"),
    gettext_noop("Independent review (IRO)"),
    gettext_noop("Investigate the grievance"),
    gettext_noop("Mail the written notification of the decision"),
    gettext_noop("Medical records or other clinically relevant information from your provider"),
    gettext_noop("Notice of the action on the complaint"),
    gettext_noop("Notify the enrollee in writing of the reasons for the delay"),
    gettext_noop("Notify the party of the final decision in writing"),
    gettext_noop("Respond to the expedited grievance"),
    gettext_noop("Second-level appeal"),
    gettext_noop("Tell the member (or representative) the decision verbally"),
    gettext_noop("The date the grievance was signed"),
    gettext_noop("The dates when services were provided"),
    gettext_noop("The name(s) of any providers involved"),
    gettext_noop("The party's address"),
    gettext_noop("The party's name"),
    gettext_noop("The party's signature"),
    gettext_noop("The party's telephone number"),
    gettext_noop("The patient's full name"),
    gettext_noop('The subscriber\'s ID number (starts with a "W")'),
    gettext_noop("The subscriber's full name (the employee or retiree covered by the plan)"),
    gettext_noop("Your daytime phone number(s)"),
    gettext_noop("Your mailing address"),
]
