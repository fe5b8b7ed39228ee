"""Who may see and do what, and the record of every look.

Below every surface (desk, portal, API, CLI) and every feature, and below the case core: the
staff visibility rule and roles (`roles`), the portal's scope rule (`scope`), the access log
(`models.AccessLog`, `log`), and the timeline's wording shared by the desk, the portal and the
case-file packet (`timeline`). It refers to the case tables by app label (as its foreign keys
do) and never imports code of `appealdesk.cases`; see docs/layers.md.
"""
