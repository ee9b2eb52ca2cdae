"""Transport: coordinators, drivers and their vehicles, ride requests, planned trips.

A ride request belongs to a visits Booking (visits never imports transport). A planned trip
is one driver with one vehicle on one day: an ordered list of stops, each the pickup or the
drop-off of one leg (outbound to the facility, or the return home) of one ride request.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from scheduler.invitations import Invitation

LATITUDE_VALIDATORS = [MinValueValidator(-90.0), MaxValueValidator(90.0)]
LONGITUDE_VALIDATORS = [MinValueValidator(-180.0), MaxValueValidator(180.0)]


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class Program(models.Model):
    """The nonprofit that runs rides: its coordinators, drivers, vehicles and pickup points."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    # The facilities whose visitors it drives: a ride belongs to the program serving its
    # booking's facility. A facility no program serves is the unnamed program's (accounts
    # made before programs existed).
    facilities = models.ManyToManyField(
        "visits.Facility", through="ProgramFacility", blank=True, related_name="+",
        verbose_name=_("facilities served"),
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("ride program")
        verbose_name_plural = _("ride programs")

    def __str__(self) -> str:
        return self.name


class ProgramFacility(models.Model):
    """One facility served by one program: at most one program a facility, so every ride
    has exactly one program and no two coordinators' boards claim it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="served")
    facility = models.OneToOneField(
        "visits.Facility", on_delete=models.CASCADE, related_name="ride_program",
        verbose_name=_("facility"),
    )

    class Meta:
        verbose_name = _("facility served")
        verbose_name_plural = _("facilities served")

    def __str__(self) -> str:
        return f"{self.program_id} → {self.facility_id}"


class Coordinator(models.Model):
    """Organisation staff who plan trips and grant subsidies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator"
    )
    # Null only for accounts made before programs existed: they share one unnamed program.
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="coordinators",
        verbose_name=_("program"),
    )
    # The program administrator invites and removes coordinators and drivers.
    is_admin = models.BooleanField(_("program administrator"), default=False)

    class Meta:
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")

    def __str__(self) -> str:
        return str(self.user)


class Vehicle(models.Model):
    """A car or van. Child seats are fitted on passenger seats; wheelchair places are not."""

    name = models.CharField(_("name"), max_length=100)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="vehicles",
        verbose_name=_("program"),
    )
    seats = models.PositiveSmallIntegerField(_("passenger seats"))
    child_seats = models.PositiveSmallIntegerField(_("child seats fitted"), default=0)
    wheelchair_places = models.PositiveSmallIntegerField(_("wheelchair places"), default=0)
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="vehicle_has_a_seat"),
            models.CheckConstraint(
                condition=Q(child_seats__lte=models.F("seats")),
                name="vehicle_child_seats_on_seats",
            ),
        ]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.name


class Driver(models.Model):
    """A volunteer driver; sees only her own trips and riders' first names and pickup points."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="driver"
    )
    home_base = models.CharField(_("home base"), max_length=200, blank=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=LATITUDE_VALIDATORS
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=LONGITUDE_VALIDATORS
    )
    vehicles = models.ManyToManyField(
        Vehicle, blank=True, related_name="drivers", verbose_name=_("vehicles she drives")
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="drivers",
        verbose_name=_("program"),
    )
    # A removed driver keeps her past trips (they are history) but is planned no more.
    active = models.BooleanField(_("drives for the program"), default=True)

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class DriverFeed(models.Model):
    """The secret in a driver's calendar feed address (/rides/calendar/<token>.ics).

    Made on her first visit to her page; resetting it gives a new token, so a leaked
    address stops working. The language is hers, since a calendar app sends no session.
    """

    driver = models.OneToOneField(Driver, on_delete=models.CASCADE, related_name="feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("driver calendar feed")
        verbose_name_plural = _("driver calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.driver}"


class DriverAvailability(models.Model):
    """A window when a driver can drive, from and back to her home base."""

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="availability")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("vehicle"),
        help_text=_("Leave empty to let the planner pick one of the vehicles she drives."),
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="availability_ordered"
            )
        ]
        verbose_name = _("driver availability")
        verbose_name_plural = _("driver availability")

    def __str__(self) -> str:
        return f"{self.driver} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class PickupPoint(models.Model):
    """A named place a program picks families up (a church, a bus station): a family picks
    it on the ride form instead of typing an address, and the planner uses its point."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="pickup_points",
        verbose_name=_("program"),
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    active = models.BooleanField(_("offered to families"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("pickup point")
        verbose_name_plural = _("pickup points")

    def __str__(self) -> str:
        return f"{self.name}, {self.address}"


class StaffRole(models.TextChoices):
    COORDINATOR = "coordinator", _("coordinator")
    DRIVER = "driver", _("volunteer driver")


class StaffInvitation(Invitation):
    """A program administrator's invitation for one person to coordinate or drive."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=12, choices=StaffRole.choices)

    class Meta(Invitation.Meta):
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")

    def __str__(self) -> str:
        return f"{self.email} as {self.role} @ {self.program}"


class RideStatus(models.TextChoices):
    OPEN = "open", _("Waiting to be planned")
    PLANNED = "planned", _("Planned")
    UNSERVED = "unserved", _("Could not be planned")
    CANCELLED = "cancelled", _("Cancelled")


# Requests the planner still looks at; a booking has at most one of these.
LIVE_RIDE_STATUSES = (RideStatus.OPEN, RideStatus.PLANNED, RideStatus.UNSERVED)


# Why the planner left a ride out, as msgids: events keep the msgid so each reader gets it in
# her own language (notifications.text.Text); the choices below show the same words.
REASON_TEXT = {
    "facility_unmapped": gettext_noop("The facility has no map location yet."),
    "no_driver": gettext_noop("No driver is available on this day."),
    "no_vehicle_fits": gettext_noop(
        "No available vehicle has enough seats, child seats or wheelchair places."),
    "too_far": gettext_noop("The pickup point is too far away for the longest ride we allow."),
    "too_late": gettext_noop("The earliest pickup is too late to arrive before check-in."),
    "pin_unavailable": gettext_noop("The pinned driver is not available on this day."),
    "no_room": gettext_noop("No driver could fit this ride in with the others."),
}


class UnservedReason(models.TextChoices):
    """Why the planner left a ride out; shown to coordinators and families in their language."""

    FACILITY_UNMAPPED = "facility_unmapped", _(REASON_TEXT["facility_unmapped"])
    NO_DRIVER = "no_driver", _(REASON_TEXT["no_driver"])
    NO_VEHICLE_FITS = "no_vehicle_fits", _(REASON_TEXT["no_vehicle_fits"])
    TOO_FAR = "too_far", _(REASON_TEXT["too_far"])
    TOO_LATE = "too_late", _(REASON_TEXT["too_late"])
    PIN_UNAVAILABLE = "pin_unavailable", _(REASON_TEXT["pin_unavailable"])
    NO_ROOM = "no_room", _(REASON_TEXT["no_room"])


class RideRequest(models.Model):
    """A booking's need for a ride: where from, who rides, what they need, which legs."""

    booking = models.ForeignKey(
        "visits.Booking", on_delete=models.CASCADE, related_name="ride_requests"
    )
    pickup_label = models.CharField(_("pickup place"), max_length=200)
    pickup_latitude = models.FloatField(_("pickup latitude"), validators=LATITUDE_VALIDATORS)
    pickup_longitude = models.FloatField(_("pickup longitude"), validators=LONGITUDE_VALIDATORS)
    adults = models.PositiveSmallIntegerField(_("adults riding"), default=1)
    children = models.PositiveSmallIntegerField(_("children riding"), default=0)
    child_seats = models.PositiveSmallIntegerField(_("child seats needed"), default=0)
    wheelchair_places = models.PositiveSmallIntegerField(_("wheelchair places needed"), default=0)
    outbound = models.BooleanField(_("ride to the facility"), default=True)
    return_trip = models.BooleanField(_("ride home"), default=True)
    earliest_pickup = models.DateTimeField(_("earliest pickup"))
    status = models.CharField(
        _("status"), max_length=10, choices=RideStatus.choices, default=RideStatus.OPEN
    )
    unserved_reason = models.CharField(
        _("reason not planned"), max_length=20, choices=UnservedReason.choices, blank=True
    )
    # What the solver said, for coordinators (not translated, never shown to families).
    unserved_detail = models.CharField(_("planner's note"), max_length=300, blank=True)
    pinned_trip = models.ForeignKey(
        "Trip", on_delete=models.SET_NULL, null=True, blank=True, related_name="pinned_requests",
        verbose_name=_("pinned to trip"),
    )
    # A pin to a driver for the visit's day, before she has a trip (or whatever trip she gets):
    # the planner puts the ride on her vehicle. A pin to a trip names its driver too.
    pinned_driver = models.ForeignKey(
        Driver, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="pinned_requests", verbose_name=_("pinned to driver"),
    )
    # The caregiver's Idempotency-Key: a retried ask answers with the first request.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    # The pickup times the family was last told, so a re-plan tells them only of a change.
    told_outbound_at = models.DateTimeField(null=True, blank=True)
    told_return_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["earliest_pickup", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=[s.value for s in LIVE_RIDE_STATUSES]),
                name="one_live_ride_request_per_booking",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="ride_idempotency_key_once",
            ),
            models.CheckConstraint(condition=Q(adults__gte=1), name="ride_has_an_adult"),
            models.CheckConstraint(
                condition=Q(child_seats__lte=models.F("children")),
                name="ride_child_seats_for_children",
            ),
            models.CheckConstraint(
                condition=Q(outbound=True) | Q(return_trip=True), name="ride_has_a_leg"
            ),
        ]
        verbose_name = _("ride request")
        verbose_name_plural = _("ride requests")

    def __str__(self) -> str:
        return f"#{self.pk} {self.pickup_label} → booking #{self.booking_id}"

    @property
    def riders(self) -> int:
        return self.adults + self.children

    @property
    def load(self) -> tuple[int, int, int]:
        """(seats, child seats, wheelchair places): a rider in a wheelchair takes no seat."""
        return (self.riders - self.wheelchair_places, self.child_seats, self.wheelchair_places)

    @property
    def legs(self) -> list[str]:
        return [leg for leg, wanted in ((Leg.OUTBOUND, self.outbound),
                                        (Leg.RETURN, self.return_trip)) if wanted]


class TripStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")


class Trip(models.Model):
    """One driver and one vehicle on one day."""

    day = models.DateField(_("day"))
    driver = models.ForeignKey(Driver, on_delete=models.PROTECT, related_name="trips")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="trips")
    status = models.CharField(
        _("status"), max_length=10, choices=TripStatus.choices, default=TripStatus.PLANNED
    )
    starts_at = models.DateTimeField(_("leaves home base"), null=True, blank=True)
    ends_at = models.DateTimeField(_("back at home base"), null=True, blank=True)
    driving_minutes = models.FloatField(_("driving minutes"), default=0)
    plan_run = models.ForeignKey(
        "PlanRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="trips"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["driver", "day"], name="one_trip_per_driver_day"),
            models.UniqueConstraint(fields=["vehicle", "day"], name="one_trip_per_vehicle_day"),
        ]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")

    def __str__(self) -> str:
        return f"{self.day} · {self.driver} · {self.vehicle}"


class Leg(models.TextChoices):
    OUTBOUND = "outbound", _("To the visit")
    RETURN = "return", _("Home")


class StopKind(models.TextChoices):
    PICKUP = "pickup", _("Pick up")
    DROPOFF = "dropoff", _("Drop off")


class StopStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PICKED_UP = "picked_up", _("Picked up")
    DROPPED_OFF = "dropped_off", _("Dropped off")


class Stop(models.Model):
    """The pickup or drop-off of one leg of one ride request, in its trip's order."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField(_("order"))
    request = models.ForeignKey(RideRequest, on_delete=models.CASCADE, related_name="stops")
    leg = models.CharField(_("leg"), max_length=10, choices=Leg.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=StopKind.choices)
    label = models.CharField(_("place"), max_length=200)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    planned_at = models.DateTimeField(_("planned time"))
    status = models.CharField(
        _("status"), max_length=12, choices=StopStatus.choices, default=StopStatus.PLANNED
    )
    status_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        ordering = ["trip", "position"]
        constraints = [
            models.UniqueConstraint(fields=["trip", "position"], name="stop_position_per_trip"),
            # A leg is picked up once and dropped off once, whatever trip carries it.
            models.UniqueConstraint(fields=["request", "leg", "kind"], name="stop_once_per_leg"),
        ]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")

    def __str__(self) -> str:
        return f"{self.trip_id}#{self.position} {self.kind} {self.label}"


class PlanStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Planning")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PlanRun(models.Model):
    """One run of the day planner, as the board shows its progress and result."""

    day = models.DateField(_("day"))
    facility = models.ForeignKey(
        "visits.Facility", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Each program plans its own rides with its own drivers; null is the unnamed program.
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, null=True, blank=True, related_name="plan_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.QUEUED
    )
    requests_count = models.PositiveIntegerField(_("legs to plan"), default=0)
    drivers_count = models.PositiveIntegerField(_("drivers available"), default=0)
    planned_count = models.PositiveIntegerField(_("legs planned"), default=0)
    unserved_count = models.PositiveIntegerField(_("legs not planned"), default=0)
    trips_count = models.PositiveIntegerField(_("trips"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Queued: when its task should have started by; running: the worker's lease, renewed
    # at each solving attempt. Past it, `plan_runs_resume` hands the run to another worker.
    lease_until = models.DateTimeField(_("held until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lease_until"], condition=Q(status__in=["queued", "running"]),
                         name="planrun_unfinished_lease"),
        ]
        verbose_name = _("planning run")
        verbose_name_plural = _("planning runs")

    def __str__(self) -> str:
        return f"plan {self.day} #{self.pk} ({self.status})"
