"""Transport people. Ride requests, vehicles and trips arrive with the ride-share work."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Coordinator(models.Model):
    """Organisation staff who plan trips and grant subsidies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator"
    )

    class Meta:
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")

    def __str__(self) -> str:
        return str(self.user)


class Driver(models.Model):
    """A volunteer driver; sees only her own trips and riders' first names and pickup points."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="driver"
    )
    home_base = models.CharField(_("home base"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")

    def __str__(self) -> str:
        return str(self.user)
