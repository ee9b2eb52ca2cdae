"""A liaison keeps her facility's information for families current."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from scheduler.errors import InvalidInput
from visits.access import facility_of_liaison
from visits.info_models import INFO_FIELDS, INFO_MAX_LENGTH, FacilityInfo
from visits.models import Facility

PHONE_MAX = 40


def facility_info_save(
    *, actor: AbstractBaseUser, language: str, phone: str, address: str, texts: dict[str, str]
) -> FacilityInfo:
    """Save the phone and address (one for every language) and the texts in `language`.
    Raises NotPermitted (not a liaison), InvalidInput (each field's problem). Locks the
    facility row, so two liaisons saving at once do not mix their versions."""
    facility = facility_of_liaison(actor)
    _check(language, phone, texts)
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).update(
            phone=phone.strip(), address=address.strip())
        values = {key: (texts.get(key) or "").strip() for key in INFO_FIELDS}
        info, _created = FacilityInfo.objects.update_or_create(
            facility=facility, language=language, defaults=values)
    return info


def _check(language: str, phone: str, texts: dict[str, str]) -> None:
    fields = {}
    if language not in dict(settings.LANGUAGES):
        fields["language"] = [_("Choose English or Spanish.")]
    if len(phone.strip()) > PHONE_MAX:
        fields["phone"] = [_("Keep the phone number to %(limit)d characters or fewer.")
                           % {"limit": PHONE_MAX}]
    for key, text in texts.items():
        if key in INFO_FIELDS and len((text or "").strip()) > INFO_MAX_LENGTH:
            fields[key] = [_("Keep this to %(limit)d characters or fewer.")
                           % {"limit": INFO_MAX_LENGTH}]
    if fields:
        raise InvalidInput(fields=fields)
