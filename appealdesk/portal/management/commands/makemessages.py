"""Django's makemessages, also extracting `_l(...)`: the portal marks lazy strings with
`gettext_lazy as _l` (Django's documentation suggests extending the command this way)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
