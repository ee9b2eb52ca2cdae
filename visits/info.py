"""Reading a facility's information for families, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from visits.info_models import INFO_FIELDS, FacilityInfo
from visits.models import Facility


@dataclass(frozen=True)
class InfoItem:
    key: str
    label: str
    text: str
    lang: str  # the language the text is in: another one when the reader's is missing


def facility_info(facility: Facility, language: str) -> list[InfoItem]:
    """The facility's information in `language`, each part that is empty there taken from
    the other language rather than left out: a family better reads the dress code in
    English than not at all. Parts empty in every language are left out."""
    rows = {row.language: row for row in FacilityInfo.objects.filter(facility=facility)}
    order = [language] + [code for code, _name in settings.LANGUAGES if code != language]
    items = []
    for key in INFO_FIELDS:
        label = FacilityInfo._meta.get_field(key).verbose_name
        for code in order:
            text = getattr(rows.get(code), key, "").strip() if code in rows else ""
            if text:
                items.append(InfoItem(key=key, label=str(label), text=text, lang=code))
                break
    return items


def info_text(facility: Facility, language: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Only some parts, as plain text (for reminders and calendar entries)."""
    return {i.key: i.text for i in facility_info(facility, language) if i.key in keys}
