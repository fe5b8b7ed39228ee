"""Run with an installation's environment (DATABASE_URL, DATABASE_REPLICA_URL): prints as JSON
where replica reads go now, how many teams a read inside `replica.reads()` sees, and on which
connections a report (the volumes selector) ran its statements."""

from __future__ import annotations

import json
import logging
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()
    from django.db import connections

    from appealdesk import replica
    from appealdesk.cases.models import Team
    from appealdesk.reports.filters import ReportFilter
    from appealdesk.reports.selectors import volumes

    warnings: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logging.getLogger("appealdesk.replica").addHandler(Keep())
    for alias in connections:
        connections[alias].force_debug_cursor = True
    volumes(ReportFilter())
    ran = {alias: len(connections[alias].queries) for alias in connections}
    with replica.reads() as chosen:
        teams = Team.objects.count()
    print(json.dumps({"alias": chosen, "teams": teams, "ran": ran, "warnings": warnings}))


if __name__ == "__main__":
    main()
