"""What a family needs to know before a long trip to a facility, kept by its liaisons in
English and in Spanish (one row per language), shown on the booking steps, the facility
page, confirmations, reminders and calendar entries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The parts of the information, in the order a family reads them.
INFO_FIELDS = (
    "directions", "hours", "parking", "dress_code", "id_adults", "id_children", "bring",
    "not_bring", "lockers", "accessibility", "video_instructions",
)
INFO_MAX_LENGTH = 2000


def _text(label: str) -> models.TextField:
    return models.TextField(label, blank=True, max_length=INFO_MAX_LENGTH)


class FacilityInfo(models.Model):
    facility = models.ForeignKey("visits.Facility", on_delete=models.CASCADE, related_name="info")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    directions = _text(_("How to get there"))
    hours = _text(_("Phone and office hours"))
    parking = _text(_("Parking"))
    dress_code = _text(_("Dress code"))
    id_adults = _text(_("ID adults must bring"))
    id_children = _text(_("ID or papers for children"))
    bring = _text(_("What to bring"))
    not_bring = _text(_("What not to bring"))
    lockers = _text(_("Lockers"))
    accessibility = _text(_("Accessibility"))
    video_instructions = _text(_("Video calls"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "language"],
                                    name="facility_info_once_per_language")
        ]
        verbose_name = _("facility information")
        verbose_name_plural = _("facility information")

    def __str__(self) -> str:
        return f"{self.facility} ({self.language})"
