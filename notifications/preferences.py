"""Reading and changing a person's notification preferences."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.models import Preference
from scheduler.errors import InvalidInput

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
PHONE_SEPARATORS = re.compile(r"[\s().-]")
EMAIL_MAX = 254  # the account's email column
FIELDS = (
    "email_enabled", "sms_enabled", "phone", "language", "quiet_start", "quiet_end", "time_zone",
)


def preference_of(user: AbstractBaseUser) -> Preference:
    """The user's preferences; unsaved defaults (email on, no SMS, no quiet hours) if none."""
    found = Preference.objects.filter(user_id=user.pk).first()
    return found or Preference(user_id=user.pk)


def normalise_phone(raw: str) -> str:
    return PHONE_SEPARATORS.sub("", raw.strip())


def _check_phone(phone: str, fields: dict[str, list[str]]) -> None:
    if phone and not E164.match(phone):
        fields["phone"] = [
            _("Enter the mobile number with its country code, for example +1 555 123 4567.")
        ]


def _check_time_zone(name: str, fields: dict[str, list[str]]) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        fields["time_zone"] = [_("Choose a time zone name such as America/Chicago.")]


def check_preference(pref: Preference) -> None:
    """Raise InvalidInput naming every field to fix."""
    fields: dict[str, list[str]] = {}
    _check_phone(pref.phone, fields)
    if pref.language not in dict(settings.LANGUAGES):
        fields["language"] = [_("Choose English (en) or Spanish (es).")]
    _check_time_zone(pref.time_zone, fields)
    if (pref.quiet_start is None) != (pref.quiet_end is None):
        message = _("Give both the start and the end of your quiet hours, or neither.")
        fields["quiet_start" if pref.quiet_start is None else "quiet_end"] = [message]
    if pref.sms_enabled and not pref.phone and "phone" not in fields:
        fields["phone"] = [_("Add a mobile number to get text messages.")]
    if fields:
        raise InvalidInput(fields=fields)


def _check_phone_may_change(pref: Preference) -> None:
    """A number she signs in with changes only by proving the new one (allauth's "Change my
    mobile number" page): changed here, unproved, it would lock her out of signing in."""
    if pref.phone_signs_in:
        raise InvalidInput(fields={"phone": [_(
            "You sign in with this number. To change it, use “Change my mobile number” "
            "on the My data page: we text a code to the new number.")]})


def preference_update(*, user: AbstractBaseUser, **changes: Any) -> Preference:
    """Change some of the user's preferences; fields left out keep their value.

    Raises InvalidInput (with every field to fix). Locks the user's preference row.
    """
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise InvalidInput(fields={name: [_("This field is not known.")] for name in unknown})
    if isinstance(changes.get("phone"), str):
        changes["phone"] = normalise_phone(changes["phone"])
    with transaction.atomic():
        Preference.objects.get_or_create(user_id=user.pk)
        pref = Preference.objects.select_for_update().get(user_id=user.pk)
        if "phone" in changes and changes["phone"] != pref.phone:
            _check_phone_may_change(pref)
        for name, value in changes.items():
            setattr(pref, name, value)
        if "time_zone" in changes:
            pref.time_zone_chosen = True  # from now on her device's zone no longer moves it
        check_preference(pref)
        pref.save()
    return pref


def preferences_save(*, user: AbstractBaseUser, **changes: Any) -> Preference:
    """The preferences page's save, all or nothing. Raises InvalidInput naming every field
    to fix; nothing is saved then. The email address is not among them: it changes only
    once a code sent to the new address is typed (allauth's email page).

    Locks the user's preference row.
    """
    with transaction.atomic():
        return preference_update(user=user, **changes)


def preference_problems(*, user: AbstractBaseUser, **changes: Any) -> dict[str, list[str]]:
    """What `preferences_save` would refuse in these changes, saving nothing: a form that
    already failed on some fields still names every other problem at once."""
    draft = preference_of(user)
    for name, value in changes.items():
        if name in FIELDS:
            setattr(draft, name, normalise_phone(value) if name == "phone" else value)
    problems: dict[str, list[str]] = {}
    try:
        check_preference(draft)
    except InvalidInput as error:
        problems = {**problems, **error.fields}
    return problems


def is_time_zone_name(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def preference_follow_device_zone(*, user: AbstractBaseUser, zone: str,
                                  language: str = "") -> bool:
    """Keep the zone of a person who never chose one equal to the zone her device reports,
    so her pages, her messages' quiet hours and a driver's "today" are in her local time.
    A zone she chose herself is never changed. A row made here starts in `language` (the
    one she reads the pages in), not in English. Returns whether anything was saved.

    Locks the user's preference row (only when the zone actually moves).
    """
    if not is_time_zone_name(zone):
        return False
    defaults = {"language": language} if language in dict(settings.LANGUAGES) else {}
    with transaction.atomic():
        Preference.objects.get_or_create(user_id=user.pk, defaults=defaults)
        changed = Preference.objects.filter(user_id=user.pk, time_zone_chosen=False).exclude(
            time_zone=zone).update(time_zone=zone)
    return bool(changed)


def preference_language_set(*, user: AbstractBaseUser, language: str) -> None:
    """The language she picked from the menu is also the one of her messages, and the one
    her pages open in when she signs in elsewhere. Unknown codes are ignored."""
    if language not in dict(settings.LANGUAGES):
        return
    with transaction.atomic():
        Preference.objects.get_or_create(user_id=user.pk, defaults={"language": language})
        Preference.objects.filter(user_id=user.pk).exclude(language=language).update(
            language=language)


def sign_in_phone_of(user: AbstractBaseUser) -> tuple[str, bool] | None:
    """The number she signs in with, and whether she proved it; None if she has none."""
    pref = Preference.objects.filter(user_id=user.pk, phone_signs_in=True).first()
    return (pref.phone, pref.phone_verified) if pref else None


def sign_in_phone_set(*, user: AbstractBaseUser, phone: str, verified: bool) -> Preference:
    """Her sign-in number (on sign-up, or changing it): it also receives her texts, and
    a number given without an email address turns texts on (they are her only channel).
    Locks her preference row."""
    with transaction.atomic():
        Preference.objects.get_or_create(user_id=user.pk)
        pref = Preference.objects.select_for_update().get(user_id=user.pk)
        pref.phone, pref.phone_signs_in, pref.phone_verified = phone, True, verified
        if not user.email:
            pref.sms_enabled = True
        pref.save()
    return pref


def sign_in_phone_prove(*, user: AbstractBaseUser, phone: str) -> bool:
    """She typed the code texted to `phone`: it becomes her sign-in number (a change of
    number takes effect only now; until then the old one still signs her in). False,
    nothing changed, if another account proved that number meanwhile. Locks her row."""
    with transaction.atomic():
        taken = Preference.objects.filter(
            phone=phone, phone_signs_in=True, phone_verified=True).exclude(user_id=user.pk)
        if taken.exists():
            return False
        Preference.objects.get_or_create(user_id=user.pk)
        pref = Preference.objects.select_for_update().get(user_id=user.pk)
        pref.phone, pref.phone_signs_in, pref.phone_verified = phone, True, True
        pref.save()
    return True


def user_by_sign_in_phone(phone: str, *, proved_only: bool = False) -> AbstractBaseUser | None:
    """The account a sign-in number belongs to: the one that proved it, else (unless
    `proved_only`) the newest that gave it at sign-up without proving it yet. That one is
    found only with her password (after three wrong codes she signs in with her number and
    password and is texted a new code, allauth's verification step). Anything that lets
    the number alone in (a sign-in code), or that keeps a sign-up from the number, wants
    `proved_only`: typing a number at sign-up does not show it is hers."""
    found = Preference.objects.filter(phone=phone, phone_signs_in=True)
    if proved_only:
        found = found.filter(phone_verified=True)
    pref = found.select_related("user").order_by("-phone_verified", "-pk").first()
    return pref.user if pref else None
