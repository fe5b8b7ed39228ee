"""Set up the test provider: its people, the appealdesk web client (authorization code with
PKCE) and a machine client (client credentials); or disable a person.

    provider_people setup --redirect-uri URI --secret S
    provider_people disable USERNAME
    provider_people remove USERNAME
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application

PASSWORD = "provider-password-1"
# username, first name, last name, groups (the `mfa` group: a second factor used here)
PEOPLE = [
    ("olivia.oidc", "Olivia", "Admin", ["appeals-admins", "mfa"]),
    ("omar.oidc", "Omar", "Analyst", ["appeals-analysts"]),
    ("oscar.oidc", "Oscar", "Leaving", ["appeals-analysts", "mfa"]),
    ("rita.oidc", "Rita", "Removed", ["appeals-analysts", "mfa"]),
    ("nobody.oidc", "Nora", "Nobody", ["cafeteria"]),
]
WEB_CLIENT = "appealdesk-web"
MACHINE_CLIENT = "claims-system"


class Command(BaseCommand):
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["setup", "disable", "remove"])
        parser.add_argument("username", nargs="?")
        parser.add_argument("--redirect-uri", default="")
        parser.add_argument("--secret", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "disable":
            User.objects.filter(username=options["username"]).update(is_active=False)
            return
        if options["action"] == "remove":  # its grants and tokens go with it
            User.objects.filter(username=options["username"]).delete()
            return
        for username, first, last, groups in PEOPLE:
            user = User.objects.create_user(
                username, f"{username}@idp.test", PASSWORD, first_name=first, last_name=last
            )
            user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
        Application.objects.create(
            name="appealdesk",
            client_id=WEB_CLIENT,
            client_secret=options["secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=options["redirect_uri"],
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
        Application.objects.create(
            name="claims system",
            client_id=MACHINE_CLIENT,
            client_secret=options["secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
        self.stdout.write(json.dumps({"password": PASSWORD}))
