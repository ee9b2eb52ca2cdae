"""Facilities, visiting rules, sessions, people and bookings."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Iterable
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scheduler.inputs import validate_time_zone
from scheduler.invitations import Invitation
from visits.reasons import (
    BOOKING_REASON_CHOICES,
    CODE_LENGTH,
    ClosureReason,
    label_of,
)
from visits.rules import age_on, is_child_age


def in_language(english: str, spanish: str) -> str:
    """A staff-typed text in the active language, falling back to English when the Spanish
    one is missing."""
    if spanish.strip() and (get_language() or "").startswith("es"):
        return spanish
    return english


class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    address = models.TextField(_("address"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # "{booking}" is replaced by a secret per-booking room code.
    video_link_template = models.CharField(
        _("video link template"), max_length=300, blank=True,
        help_text=_("For example https://video.example.org/room/{booking}"),
    )
    kiosk_instructions = models.TextField(_("video kiosk instructions"), blank=True)
    # The number families call, e.g. when it is too late to cancel online.
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class HousingUnit(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["facility", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="unit_name_per_facility")
        ]
        verbose_name = _("housing unit")
        verbose_name_plural = _("housing units")

    def __str__(self) -> str:
        return f"{self.facility.name} · {self.name}"


class VisitKind(models.TextChoices):
    IN_PERSON = "in_person", _("In-person visit")
    VIDEO = "video", _("Video call")


class AllocationMode(models.TextChoices):
    FIRST_COME = "first_come", _("First come, first served")
    ROUND = "round", _("Request round with a fair lottery")


class VisitingRule(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="rules")
    unit = models.ForeignKey(
        HousingUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="rules",
        help_text=_("Leave empty for a rule that serves the whole facility."),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=VisitKind.choices)
    # Local wall-clock recurrence, e.g. FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9;BYMINUTE=0
    rrule = models.CharField(_("recurrence (RRULE)"), max_length=300)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("length in minutes"))
    capacity = models.PositiveIntegerField(_("places (tables or video stations)"))
    max_adults = models.PositiveIntegerField(_("adults per visit"), default=2)
    max_children = models.PositiveIntegerField(_("children per visit"), default=3)
    max_visitors = models.PositiveIntegerField(_("visitors per visit"), default=4)
    opens_days_before = models.PositiveIntegerField(_("booking opens (days before)"), default=14)
    closes_hours_before = models.PositiveIntegerField(
        _("booking closes (hours before)"), default=24
    )
    cancel_hours_before = models.PositiveIntegerField(_("cancel until (hours before)"), default=12)
    weekly_quota = models.PositiveIntegerField(_("visits per resident per week"), default=2)
    monthly_quota = models.PositiveIntegerField(_("visits per resident per month"), default=6)
    join_instructions = models.TextField(_("how to join"), blank=True)
    # What staff type is kept in English and in Spanish; a Spanish page falls back to the
    # English text when the Spanish one is empty (better than nothing at all).
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    join_instructions_es = models.TextField(_("how to join, in Spanish"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Scarce sessions are shared out by a request round (a seeded lottery at a deadline)
    # instead of going to whoever taps fastest when booking opens.
    allocation_mode = models.CharField(
        _("how places are given out"), max_length=12, choices=AllocationMode.choices,
        default=AllocationMode.FIRST_COME,
    )
    round_opens_days_before = models.PositiveIntegerField(
        _("requests open (days before)"), default=14
    )
    round_closes_days_before = models.PositiveIntegerField(
        _("requests close (days before)"), default=8
    )

    class Meta:
        ordering = ["facility", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="rule_capacity_positive"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5), name="rule_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(round_opens_days_before__gt=models.F("round_closes_days_before")),
                name="rule_round_opens_before_it_closes",
            ),
        ]
        verbose_name = _("visiting rule")
        verbose_name_plural = _("visiting rules")

    def __str__(self) -> str:
        return f"{self.facility.name}: {self.name}"

    @property
    def shown_name(self) -> str:
        """The rule's name in the reader's language (the active one), or the English one."""
        return in_language(self.name, self.name_es)

    @property
    def shown_join_instructions(self) -> str:
        return in_language(self.join_instructions, self.join_instructions_es)

    def clean(self) -> None:
        from visits.calendar import parse_rrule

        if self.unit_id and self.facility_id and self.unit.facility_id != self.facility_id:
            raise ValidationError({"unit": _("This unit belongs to another facility.")})
        if (self.round_opens_days_before or 0) <= (self.round_closes_days_before or 0):
            raise ValidationError({"round_opens_days_before": _(
                "Requests must open more days before the visit than they close.")})
        try:
            first_day = self.starts_on or dt.date.today()
            recurrence = parse_rrule(self.rrule, dt.datetime.combine(first_day, dt.time()))
        except ValueError as exc:
            raise ValidationError({"rrule": str(exc)}) from exc
        self._check_booking_window(recurrence)

    def _check_booking_window(self, recurrence: Iterable[dt.datetime]) -> None:
        """Booking opens at midnight N days before the visit's day and closes M hours before
        it starts: a visit at 10 a.m. with N = 1 and M = 200 could never be booked."""
        earliest = min((start.time() for start in islice(recurrence, 60)), default=None)
        if earliest is None:
            return
        hours_open = ((self.opens_days_before or 0) * 24 + earliest.hour
                      + earliest.minute / 60)
        if (self.closes_hours_before or 0) >= hours_open:
            raise ValidationError({"closes_hours_before": _(
                "Families could never book: booking would close before it opens. Close it "
                "fewer hours before the visit, or open it more days before.")})


class Closure(models.Model):
    """Days when a facility (or some of its units) takes no visits."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="closures")
    units = models.ManyToManyField(
        HousingUnit, blank=True, related_name="closures",
        help_text=_("Leave empty to close the whole facility."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    # Picked from a list, so each family reads it in her own language (visits.reasons).
    reason_code = models.CharField(_("reason"), max_length=CODE_LENGTH,
                                   choices=ClosureReason.choices, default=ClosureReason.OTHER)
    # The liaison's own words, shown as typed ("Note from the facility").
    reason = models.CharField(_("note from the facility"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="closure_dates_ordered"
            )
        ]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self) -> str:
        return f"{self.facility.name} {self.starts_on}–{self.ends_on}: {self.reason_code}"

    @property
    def reason_label(self) -> str:
        return label_of(self.reason_code)


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Session(models.Model):
    """One dated occurrence of a rule, with its own capacity and a live count of places held."""

    rule = models.ForeignKey(VisitingRule, on_delete=models.CASCADE, related_name="sessions")
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="sessions")
    unit = models.ForeignKey(
        HousingUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=VisitKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    # Places held by live bookings; changed only under the session's row lock and checked
    # by a constraint, so a bug elsewhere cannot overbook.
    held = models.PositiveIntegerField(_("places held"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    close_reason_code = models.CharField(_("reason closed"), max_length=CODE_LENGTH,
                                         choices=ClosureReason.choices, blank=True)
    close_reason = models.CharField(_("note from the facility"), max_length=200, blank=True)
    # Set when the rule changed after families had booked: a liaison decides.
    needs_review = models.BooleanField(_("needs review"), default=False)
    # A closure of some units on this session's day (a lockdown of one wing): their residents
    # are not visited in it, while the session stays open for the other units. Only a
    # facility-wide session has any; a unit's own session is closed whole instead.
    closed_units = models.ManyToManyField(
        HousingUnit, blank=True, related_name="closed_sessions",
        verbose_name=_("units closed that day"))
    # Whether `closed_units` holds any: the booking path reads the session's row anyway, and
    # asks for the units only when this says there are some.
    has_closed_units = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["facility", "starts_at"])]
        constraints = [
            models.UniqueConstraint(fields=["rule", "starts_at"], name="session_once_per_rule"),
            models.CheckConstraint(
                condition=Q(held__lte=models.F("capacity")), name="session_never_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        local = self.starts_at.astimezone(self.facility.tz)
        return f"{self.facility.name} {local:%Y-%m-%d %H:%M} ({self.get_kind_display()})"

    @property
    def close_reason_label(self) -> str:
        return label_of(self.close_reason_code)

    @property
    def remaining(self) -> int:
        if self.status != SessionStatus.OPEN:
            return 0
        return max(self.capacity - self.held, 0)

    def closed_for(self, unit_id: int | None) -> bool:
        """Whether a closure of her unit keeps a resident of `unit_id` out of this session."""
        return bool(unit_id and self.has_closed_units
                    and self.closed_units.filter(pk=unit_id).exists())


class Resident(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="residents")
    unit = models.ForeignKey(
        HousingUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="residents"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Sensitive: shown to liaisons only, never put in events, feeds or logs.
    prison_id = models.CharField(_("prison ID number"), max_length=40)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "prison_id"], name="prison_id_per_facility")
        ]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Household(models.Model):
    """A caregiver's account and the people in her care."""

    caregiver = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="household"
    )
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # One way, home to the facility; a priority in request rounds (a long trip weighs more).
    distance_km = models.PositiveIntegerField(_("distance to the facility (km)"), default=0)
    # Set when the account was deleted (or purged for lack of use): what is left has no name
    # and stays only for the facility's counts and the travel fund's ledger.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.name


class Visitor(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="visitors")
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    is_caregiver = models.BooleanField(_("is the account holder"), default=False)

    class Meta:
        ordering = ["date_of_birth", "id"]
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def is_child_on(self, day: dt.date) -> bool:
        return is_child_age(age_on(self.date_of_birth, day))


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    REVOKED = "revoked", _("Revoked")


class ApprovedVisitor(models.Model):
    """The facility's yes (or not yet) for one visitor to see one resident."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="approvals")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="approvals")
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    guardian_consent_on_file = models.BooleanField(_("guardian consent on file"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visitor", "resident"], name="one_approval_per_pair")
        ]
        verbose_name = _("approved visitor")
        verbose_name_plural = _("approved visitors")

    def __str__(self) -> str:
        return f"{self.visitor} → {self.resident} ({self.get_status_display()})"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("No-show")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("A place is offered")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses that hold one of the session's places.
HOLDING_STATUSES = (
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.NO_SHOW,
    BookingStatus.OFFERED,
)
# Statuses that count against a resident's quota and against overlapping visits.
ACTIVE_STATUSES = (
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.NO_SHOW,
)
LIVE_STATUSES = HOLDING_STATUSES + (BookingStatus.WAITLISTED,)


def new_room_code() -> str:
    return secrets.token_urlsafe(12)


class Booking(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    # No index of its own: the (resident, status) index below serves every lookup by resident.
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="bookings",
                                 db_index=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="bookings")
    visitors = models.ManyToManyField(Visitor, through="BookingVisitor", related_name="bookings")
    status = models.CharField(_("status"), max_length=12, choices=BookingStatus.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # NULL, not "": the unique (household, key) constraint must ignore bookings without a key.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    # Set when staff declined or cancelled it (visits.reasons); blank for the system's own
    # reasons, which `reason` then holds as a msgid ("Cancelled by the family").
    reason_code = models.CharField(_("reason"), max_length=CODE_LENGTH,
                                   choices=BOOKING_REASON_CHOICES, blank=True)
    reason = models.CharField(_("note"), max_length=300, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    room_code = models.CharField(max_length=32, default=new_room_code, editable=False)
    # What the family asks the facility to have ready; shown to its liaisons only.
    needs_wheelchair = models.BooleanField(_("wheelchair access"), default=False)
    interpreter_language = models.CharField(_("interpreter (language)"), max_length=60,
                                            blank=True)
    support_note = models.CharField(_("other support needed"), max_length=300, blank=True)

    class Meta:
        ordering = ["session__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="booking_idempotency_key_once",
            ),
            # Last line of defence: a resident never holds two live places in one session.
            models.UniqueConstraint(
                fields=["session", "resident"],
                condition=Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="one_live_booking_per_resident_session",
            ),
        ]
        indexes = [models.Index(fields=["resident", "status"])]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"#{self.pk} {self.resident.first_name} · {self.session}"

    @property
    def reason_label(self) -> str:
        return label_of(self.reason_code)

    @property
    def reference(self) -> str:
        """The booking's reference, short enough to read out on the phone to the facility."""
        return f"V-{self.pk:06d}"

    @property
    def join_url(self) -> str:
        """An outside video service's room if the facility names one, else the service's own
        call page (which checks who may join and when)."""
        if self.session.kind != VisitKind.VIDEO:
            return ""
        template = self.session.facility.video_link_template
        if not template:
            return settings.VIDEO_CALL_PATH.replace("{booking}", str(self.pk))
        return template.replace("{booking}", self.room_code)


class BookingVisitor(models.Model):
    # No index of its own: the unique (booking, visitor) constraint's index begins with it.
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="booking_visitors",
                                db_index=False)
    visitor = models.ForeignKey(Visitor, on_delete=models.PROTECT, related_name="booking_visitors")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "visitor"], name="visitor_once_per_booking")
        ]

    def __str__(self) -> str:
        return f"{self.visitor} @ {self.booking_id}"


class BookingStatusChange(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reason_code = models.CharField(max_length=CODE_LENGTH, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.from_status} -> {self.to_status}"


class Liaison(models.Model):
    """Facility staff: a user who runs one facility's visits."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="liaison"
    )
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="liaisons")
    # The facility administrator decides who the liaisons are (invites and removes them).
    is_admin = models.BooleanField(_("facility administrator"), default=False)

    class Meta:
        verbose_name = _("liaison")
        verbose_name_plural = _("liaisons")

    def __str__(self) -> str:
        return f"{self.user} @ {self.facility}"


class LiaisonInvitation(Invitation):
    """A facility administrator's invitation for one person to become a liaison there."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="invitations")
    as_admin = models.BooleanField(_("also facility administrator"), default=False)

    class Meta(Invitation.Meta):
        verbose_name = _("liaison invitation")
        verbose_name_plural = _("liaison invitations")

    def __str__(self) -> str:
        return f"{self.email} @ {self.facility}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarTokenKind(models.TextChoices):
    CAREGIVER = "caregiver", _("A caregiver's visits")
    FACILITY = "facility", _("A facility's roster")


class CalendarToken(models.Model):
    """The secret in a calendar feed's address (/calendar/<token>.ics).

    Kept in clear because the owner is shown her address again on every visit to her page;
    it only ever gives read access to one feed, and resetting it revokes the old address.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarTokenKind.choices)
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    # The language the owner used when she subscribed: a calendar app fetches the feed
    # without her session, so this is how the feed keeps speaking her language.
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_token_per_owner_kind",
            )
        ]
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"{self.owner} · {self.kind} ({state})"


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", _("The day before")
    TWO_HOURS = "two_hours", _("Two hours before")


class Reminder(models.Model):
    """A reminder sent to a family about one booking at one visit time.

    Unique per visit time rather than per booking: a visit moved to a new time earns fresh
    reminders for the new time, and the old time is never announced again.
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    starts_at = models.DateTimeField(_("visit starts at"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "starts_at"], name="reminder_once_per_visit_time"
            )
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.kind} reminder for booking #{self.booking_id}"


# Request rounds, facility information and visitor applications live in their own modules;
# importing them here registers them with the app.
from visits.application_models import (  # noqa: E402, F401
    ApplicationAudit,
    ApplicationStatus,
    ApplicationVisitor,
    ApprovalAudit,
    AuditAction,
    VisitApplication,
)
from visits.info_models import FacilityInfo  # noqa: E402, F401
from visits.round_models import (  # noqa: E402, F401
    PriorityWeights,
    RequestRound,
    RequestStatus,
    RoundStatus,
    VisitRequest,
)
