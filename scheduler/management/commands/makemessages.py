"""`makemessages` that also finds plural pairs marked with `ngettext_noop(singular, plural)`
(notifications.text): an event stores both forms, and each reader's language picks one
when the message is read, so the pair must reach the catalogue as one plural entry."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=ngettext_noop:1,2"]
