"""Reports (SPEC 6): timeliness compliance per clock, volumes and outcomes, the public metrics
(CMS-0057-F), aging of open cases, and the case universe export. Definitions: docs/reports.md.

`selectors` holds the aggregate statements (one per report, grouped in the database) and the
list behind every figure; `universe` streams the one-row-per-case export; `tables` writes any
report as CSV, XLSX or JSON. The desk (`appealdesk.desk.views.reports`), the API
(`appealdesk.api.routers.reports`) and the CLI (`appealdesk report …`) are thin layers over them.
"""
