"""Seed of the live API tests and the API benchmark, run as a subprocess after `appealdesk init`
against a fresh database (APPEALDESK_DATA_DIR / DATABASE_URL).

Makes the UMP medical and pharmacy teams, a supervisor of both who is also an administrative
and clinical reviewer (so every action is his to take), an intake coordinator, a member, a few
cases taken in through the services (one with a document), and an API key of the supervisor
with every scope, written to --key-file (mode 600). Prints one JSON object: the case numbers,
the member, teams and document ids, the user names.

    APPEALDESK_DATA_DIR=... python tests/api/seed.py --cases 5 --key-file /tmp/x/api-key
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--key-file", type=Path, required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from appealdesk.api.models import SCOPES, ApiKey
    from appealdesk.cases import services as sv
    from appealdesk.cases.documents import document_store
    from appealdesk.cases.models import Party, StaffProfile, Team

    medical = Team.objects.create(name="UMP medical", program="ump", handler="regence")
    pharmacy = Team.objects.create(name="UMP pharmacy", program="ump", handler="wsrxs")
    User = get_user_model()

    def person(name: str, group: str, **skills: bool) -> object:
        user = User.objects.create_user(name, f"{name}@api.appealdesk.test", None, is_staff=True)
        user.groups.set([Group.objects.get_or_create(name=group)[0]])
        profile = StaffProfile.objects.create(user=user, **skills)
        profile.teams.set([medical, pharmacy])
        return user

    sam = person("api-sam", "supervisor", administrative_reviewer=True, clinical_reviewer=True)
    alice = person("api-alice", "intake")
    member = Party.objects.create(
        role="member",
        name="Pat Doe",
        subscriber_name="Pat Doe",
        patient_name="Pat Doe",
        subscriber_id="W1234567",
    )
    now = timezone.now()
    local = (now - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=-8)))
    numbers = []
    for i in range(args.cases):
        case = sv.case_receive(
            request={
                "program": "ump",
                "received_at": local.isoformat(timespec="seconds"),
                "channel": "mail",
                "filed_by": "member",
                "requested": "appeal",
                "category": "claim_payment",
                "service": "prescription" if i % 2 else "medical",
                "notice_date": (local.date() - dt.timedelta(days=30 + i)).isoformat(),
                "provided": ["subscriber_name", "subscriber_id"],
            },
            actor=alice,
            member=member,
            backdate_reason="entered after the call",
            summary=f"seeded case {i + 1}",
        )
        numbers.append(case.number)
    document = None
    if numbers:
        from appealdesk.cases.models import Case

        first = Case.objects.get(number=numbers[0])
        upload = SimpleUploadedFile("eob.pdf", PDF, content_type="application/pdf")
        document = document_store(upload, kind="eob", case=first, actor=alice).pk

    _, key = ApiKey.issue(name="live tests", user=sam, scopes=list(SCOPES))
    args.key_file.write_text(key + "\n")
    args.key_file.chmod(0o600)
    json.dump(
        {
            "cases": numbers,
            "member_id": member.pk,
            "team_ids": [medical.pk, pharmacy.pk],
            "document_id": document,
            "users": {"supervisor": sam.get_username(), "intake": alice.get_username()},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
