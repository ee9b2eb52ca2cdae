"""Video calls held by the service itself: the stations that take them, and who was on each.

Nothing of the call's sound or picture is kept: the media goes browser to browser (or through
a TURN relay) and never reaches the service. What is kept is who joined and left, and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from visits.models import Booking, HousingUnit


class Station(models.Model):
    """A browser at the facility (a kiosk or tablet) signed in as one unit's video station."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_station"
    )
    unit = models.ForeignKey(HousingUnit, on_delete=models.PROTECT, related_name="call_stations")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("video station")
        verbose_name_plural = _("video stations")

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class CallRole(models.TextChoices):
    FAMILY = "family", _("Family")
    STATION = "station", _("Station")
    MONITOR = "monitor", _("Staff monitor")


class Call(models.Model):
    """A booking's call, made when the first person joins. The first station to join takes
    it; a call ended by staff stays ended."""

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="call")
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    started_at = models.DateTimeField(_("first joined at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    end_reason = models.CharField(_("reason ended"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("video call")
        verbose_name_plural = _("video calls")

    def __str__(self) -> str:
        return f"call of booking {self.booking_id}"


class CallPresence(models.Model):
    """One person's time on a call: a row when they join, `left_at` when they leave."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="presences")
    # Kept (as `name` and `role`) if the account is later deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
        related_name="call_presences",
    )
    role = models.CharField(_("role"), max_length=10, choices=CallRole.choices)
    # As the others on the call see them: a visitor's first name, a station's name, "staff".
    name = models.CharField(_("shown as"), max_length=100)
    # The socket's name on the call, random: signalling is addressed to it.
    peer = models.CharField(max_length=32, unique=True)
    joined_at = models.DateTimeField(_("joined at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="presence_leaves_after_joining",
            )
        ]
        verbose_name = _("time on a call")
        verbose_name_plural = _("times on calls")

    def __str__(self) -> str:
        return f"{self.user_id} on {self.call_id} as {self.role}"
