"""Prepare an installation for the topology test: a team, a staff member (intake, analyst and
supervisor of that team) and an API key of hers. Prints `{"key": …}`. Run as
`python -m tests.ops.topology_setup` with the installation's environment."""

from __future__ import annotations

import json
import os

import django

PASSWORD = "topology-password-1"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appealdesk.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from appealdesk.api.models import SCOPES, ApiKey
    from appealdesk.cases.models import StaffProfile, Team

    team = Team.objects.create(name="UMP medical", program="ump", handler="regence")
    user = get_user_model().objects.create_user("lena", "lena@example.org", PASSWORD, is_staff=True)
    user.groups.set(
        [Group.objects.get_or_create(name=g)[0] for g in ("intake", "analyst", "supervisor")]
    )
    StaffProfile.objects.create(user=user).teams.set([team])
    _, key = ApiKey.issue(name="load client", user=user, scopes=list(SCOPES))
    print(json.dumps({"key": key}))


if __name__ == "__main__":
    main()
