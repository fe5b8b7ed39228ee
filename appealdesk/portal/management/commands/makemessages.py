"""Django's makemessages, also extracting `_l(...)`: the portal marks lazy strings with
`gettext_lazy as _l` (Django's documentation suggests extending the command this way)."""

from typing import ClassVar

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options: ClassVar[list[str]] = [*makemessages.Command.xgettext_options, "--keyword=_l"]
