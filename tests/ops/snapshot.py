"""Print what a restore must keep identical, as JSON: every case (number, state, kind), every
event's hash, every document with its recorded SHA-256 and the SHA-256 of the stored bytes.
Run as `python -m tests.ops.snapshot` with an installation's environment."""

from __future__ import annotations

import json
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()
    from django.core.files.storage import default_storage

    from appealdesk.cases.models import Case, Document, Event
    from appealdesk.ops.integrity import file_digest

    documents = []
    for document in Document.objects.select_related("case").order_by("pk"):
        documents.append(
            [
                document.case.number if document.case else None,
                document.kind,
                document.name,
                document.sha256,
                file_digest(default_storage, document.file.name),
            ]
        )
    print(
        json.dumps(
            {
                "cases": list(
                    Case.objects.order_by("number").values_list("number", "state", "kind")
                ),
                "events": list(Event.objects.order_by("pk").values_list("seq", "hash")),
                "documents": documents,
            }
        )
    )


if __name__ == "__main__":
    main()
