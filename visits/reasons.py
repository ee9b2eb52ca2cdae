"""Reasons staff give families, picked from a list, with an optional note in their own words.

A family reads the reason in her own language, whatever the liaison's: what is stored is a
code (rendered through gettext when read) and the note exactly as typed, shown labelled as
the facility's note. Rows from before the lists keep their text as the note, code "other".

Imports no other visits module, so models, services and serializers may all use it.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from notifications.text import Text, term
from scheduler.errors import InvalidInput

OTHER = "other"
CODE_LENGTH = 24


class ClosureReason(models.TextChoices):
    """Why a session or days are closed."""

    LOCKDOWN = "lockdown", _("Lockdown")
    STAFF_SHORTAGE = "staff_shortage", _("Not enough staff")
    WEATHER = "weather", _("Bad weather")
    MAINTENANCE = "maintenance", _("Work on the building")
    INCIDENT = "incident", _("A count or a security incident")
    HOLIDAY = "holiday", _("Holiday")
    OTHER = OTHER, _("Another reason")


class DeclineReason(models.TextChoices):
    """Why a liaison declines one booking."""

    RESIDENT_UNAVAILABLE = "resident_unavailable", _("The resident is not available")
    VISITOR_NOT_APPROVED = "visitor_not_approved", _(
        "A visitor is not approved for this session")
    CAPACITY = "capacity", _("No room left in this session")
    OTHER = OTHER, _("Another reason")


class ApplicationReason(models.TextChoices):
    """Why a visitor application is refused, needs more, or an approval is withdrawn."""

    ID_DOCUMENT = "id_document", _("An ID document is missing or cannot be read")
    CONSENT_FORM = "consent_form", _("A guardian's consent form is missing")
    NOT_ON_LIST = "not_on_list", _("Not on the resident's visiting list")
    RELATIONSHIP = "relationship", _("The relationship could not be checked")
    APPROVAL_ENDED = "approval_ended", _("The approval period has ended")
    OTHER = OTHER, _("Another reason")


def _merged(*lists: type[models.TextChoices]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for choices in lists:
        for value, label in choices.choices:
            seen.setdefault(value, label)
    return list(seen.items())


# A booking is declined by itself or cancelled with its session (a closure's reasons).
BOOKING_REASON_CHOICES = _merged(DeclineReason, ClosureReason)
_LABELS = dict(_merged(DeclineReason, ClosureReason, ApplicationReason))

# What a family reads: the reason, the facility's own words, or both.
REASON_ONLY = gettext_noop("Reason: %(reason)s.")
NOTE_ONLY = gettext_noop("Note from the facility: %(note)s")
REASON_AND_NOTE = gettext_noop("Reason: %(reason)s. Note from the facility: %(note)s")


def label_of(code: str) -> str:
    """The code's label in the active language; "" for no code, or for "other" (the note
    says it all)."""
    if not code or code == OTHER or code not in _LABELS:
        return ""
    return str(_LABELS[code])


def msgid_of(code: str) -> str:
    """The English label (the catalogue's msgid), to be translated when read."""
    with translation.override(None):
        return str(_LABELS[code])


def reason_message(code: str, note: str) -> Text | str:
    """What the family is told, as a message rendered in each reader's language. Without a
    code (the system's own reasons, stored as msgids) the text itself."""
    if not code:
        return note
    if not label_of(code):
        return Text(NOTE_ONLY, {"note": note}) if note else ""
    if note:
        return Text(REASON_AND_NOTE, {"reason": term(msgid_of(code)), "note": note})
    return Text(REASON_ONLY, {"reason": term(msgid_of(code))})


def reason_text(code: str, note: str) -> str:
    """The same, worded now in the active language (pages, calendar feeds, reports)."""
    message = reason_message(code, note)
    return message.render() if isinstance(message, Text) else gettext(message) if message else ""


def reason_check(choices: type[models.TextChoices], code: str, note: str, *, limit: int,
                 required: bool = True) -> tuple[str, str]:
    """The (code, note) to store, or InvalidInput naming the field to fix.

    A note without a code (the API before the lists, old scripts) is kept as code "other".
    "Other" needs a note: the family must learn something.
    """
    code, note = (code or "").strip(), (note or "").strip()
    if not code and note:
        code = OTHER
    if not code:
        if not required:
            return "", ""
        raise InvalidInput(fields={"reason_code": [gettext("Choose a reason from the list.")]})
    if code not in choices.values:
        raise InvalidInput(fields={"reason_code": [
            gettext("“%(code)s” is not on the list. Choose one of: %(codes)s.")
            % {"code": code[:40], "codes": ", ".join(choices.values)}]})
    if code == OTHER and not note:
        raise InvalidInput(fields={"reason": [
            gettext("You chose “another reason”: say in a few words what it is.")]})
    if len(note) > limit:
        raise InvalidInput(fields={"reason": [
            gettext("Keep the note to %(limit)d characters or fewer.") % {"limit": limit}]})
    return code, note
