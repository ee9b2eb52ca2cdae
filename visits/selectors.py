"""Reads of visits. Each takes the acting user and applies what she may see."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from scheduler.errors import NotFound
from visits.access import facility_of_liaison, household_of
from visits.calendar import local_midnight_utc
from visits.models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    ApprovalStatus,
    ApprovedVisitor,
    Booking,
    BookingStatus,
    BookingVisitor,
    CalendarToken,
    CalendarTokenKind,
    Facility,
    Household,
    Liaison,
    Resident,
    Session,
    SessionStatus,
)
from visits.services.common import now


def residents_for_household(*, user: AbstractBaseUser) -> QuerySet[Resident]:
    """The residents this household has at least one approved visitor for."""
    household = household_of(user)
    return (
        Resident.objects.filter(
            approvals__visitor__household=household, approvals__status=ApprovalStatus.APPROVED
        )
        .select_related("facility", "unit")
        .distinct()
    )


def sessions_available(
    *,
    user: AbstractBaseUser,
    facility_id: int | None = None,
    resident_id: int | None = None,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    only_open: bool = True,
) -> QuerySet[Session]:
    """Future sessions, soonest first; for a resident, only the sessions she can be visited in
    (her facility, and her unit's rules or the facility-wide ones)."""
    qs = Session.objects.select_related("facility", "rule", "unit").filter(starts_at__gt=now())
    if only_open:
        qs = qs.filter(status=SessionStatus.OPEN)
    if facility_id:
        qs = qs.filter(facility_id=facility_id)
    if resident_id:
        resident = residents_for_household(user=user).filter(pk=resident_id).first()
        if resident is None:
            return qs.none()
        qs = qs.filter(facility_id=resident.facility_id)
        qs = qs.filter(unit__isnull=True) | qs.filter(unit_id=resident.unit_id)
        if resident.unit_id:  # not the days her unit is closed (a lockdown of her wing)
            qs = qs.exclude(closed_units=resident.unit_id)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from or date_to:
        qs = qs.filter(_on_local_days(date_from, date_to))
    return qs.order_by("starts_at", "id")


def _on_local_days(first: dt.date | None, last: dt.date | None) -> Q:
    """Sessions whose day at their own facility lies in [first, last]: a 7 p.m. video call in
    Chicago on the 5th is on the 5th for the family, although it is the 6th in UTC."""
    match = Q(pk__in=[])
    for zone in Facility.objects.order_by().values_list("time_zone", flat=True).distinct():
        in_zone = Q(facility__time_zone=zone)
        if first:
            in_zone &= Q(starts_at__gte=local_midnight_utc(first, zone))
        if last:
            in_zone &= Q(starts_at__lt=local_midnight_utc(last + dt.timedelta(days=1), zone))
        match |= in_zone
    return match


def bookings_for_household(
    *, user: AbstractBaseUser, upcoming_only: bool = False
) -> QuerySet[Booking]:
    household = household_of(user)
    qs = Booking.objects.filter(household=household).select_related(
        "session__facility", "session__rule", "resident"
    ).prefetch_related("visitors")
    if upcoming_only:
        qs = qs.filter(session__ends_at__gte=now())
    return qs.order_by("session__starts_at", "id")


def booking_live_for(*, user: AbstractBaseUser, session_id: int,
                     resident_id: int) -> Booking | None:
    """The household's live booking (waiting list included) of this visit, if it has one:
    going Back to a booked visit's page shows it instead of a second try."""
    return Booking.objects.filter(
        household=household_of(user), session_id=session_id, resident_id=resident_id,
        status__in=LIVE_STATUSES,
    ).first()


def _approval_lapsed() -> Exists:
    """True for a booking with someone whose approval for this resident was withdrawn or
    runs out before the visit: the roster flags it for the liaison (in the same query)."""
    still_approved = ApprovedVisitor.objects.filter(
        visitor=OuterRef("visitor"), resident=OuterRef("booking__resident"),
        status=ApprovalStatus.APPROVED,
    ).filter(Q(expires_on__isnull=True)
             | Q(expires_on__gte=OuterRef("booking__session__starts_at__date")))
    return Exists(BookingVisitor.objects.filter(booking=OuterRef("pk"))
                  .exclude(Exists(still_approved)))


def roster_for_day(*, user: AbstractBaseUser, day: dt.date) -> list[Session]:
    """The liaison's facility's sessions on a local day, each with its live bookings."""
    facility = facility_of_liaison(user)
    start = local_midnight_utc(day, facility.time_zone)
    end = local_midnight_utc(day + dt.timedelta(days=1), facility.time_zone)
    live = Booking.objects.exclude(
        status__in=[BookingStatus.CANCELLED, BookingStatus.DECLINED]
    ).annotate(approval_lapsed=_approval_lapsed()).select_related(
        "resident", "household").prefetch_related("visitors").order_by("id")
    return list(
        Session.objects.filter(facility=facility, starts_at__gte=start, starts_at__lt=end)
        .select_related("facility", "rule", "unit")
        .prefetch_related(Prefetch("bookings", queryset=live, to_attr="live_bookings"))
        .order_by("starts_at", "id")
    )


def facilities_visible(*, user: AbstractBaseUser) -> QuerySet[Facility]:
    return Facility.objects.all().order_by("name")


def approvals_for_facility(*, user: AbstractBaseUser) -> QuerySet[ApprovedVisitor]:
    facility = facility_of_liaison(user)
    return ApprovedVisitor.objects.filter(resident__facility=facility).select_related(
        "visitor", "resident"
    ).order_by(F("status").desc(), "resident__last_name")


# --- calendar feeds ---------------------------------------------------------------------


def calendar_token_resolve(*, token: str) -> CalendarToken | None:
    """The live feed behind a secret address, or None (unknown, revoked, or its owner no
    longer holds the role it was made for). The token is the only credential a calendar
    app sends, so this is the feed's whole permission check."""
    feed = (
        CalendarToken.objects.select_related("owner")
        .filter(token=token, revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if feed is None:
        return None
    role = Household if feed.kind == CalendarTokenKind.CAREGIVER else Liaison
    field = "caregiver_id" if role is Household else "user_id"
    return feed if role.objects.filter(**{field: feed.owner_id}).exists() else None


def _bookings_with_changes() -> QuerySet[Booking]:
    # `changes` (rows of status history) only ever grows: it is the event's SEQUENCE.
    return (
        Booking.objects.select_related("session__facility", "session__rule", "session__unit",
                                       "resident")
        .prefetch_related("visitors")
        .annotate(changes=Count("history"))
    )


def bookings_for_calendar(*, user: AbstractBaseUser) -> list[Booking]:
    """Every booking of the caregiver's household, cancelled ones too (so a calendar app
    can strike them out), each with `changes`."""
    household = household_of(user)
    return list(_bookings_with_changes().filter(household=household)
                .order_by("session__starts_at", "id"))


def booking_for_calendar(*, user: AbstractBaseUser, booking_id: int) -> Booking:
    """One booking of the caregiver's own household; NotFound for anyone else's (and for
    an account that is not a caregiver), so its existence does not leak."""
    booking = (
        _bookings_with_changes().filter(pk=booking_id, household__caregiver_id=user.pk).first()
    )
    if booking is None:
        raise NotFound(_("We could not find that booking."))
    return booking


def roster_for_calendar(
    *, user: AbstractBaseUser, days_back: int = 7, days_ahead: int = 42
) -> tuple[Facility, list[Session]]:
    """The liaison's facility's sessions from a week ago to `days_ahead` days on that have
    families booked (or were closed over families), each with `holding` (bookings that hold
    a place, with their visitors), `waiting` (a count), `changes` and `modified_at`."""
    facility = facility_of_liaison(user)
    start = local_midnight_utc(now().astimezone(facility.tz).date(), facility.time_zone)
    sessions = (
        Session.objects.filter(
            facility=facility,
            starts_at__gte=start - dt.timedelta(days=days_back),
            starts_at__lt=now() + dt.timedelta(days=days_ahead),
        )
        .filter(Exists(Booking.objects.filter(session=OuterRef("pk"))))
        .select_related("facility", "unit")
        .annotate(changes=Count("bookings__history"), modified_at=Max("bookings__updated_at"))
        .prefetch_related(Prefetch(
            "bookings", to_attr="all_bookings",
            queryset=Booking.objects.select_related("resident").prefetch_related("visitors")
            .order_by("id"),
        ))
        .order_by("starts_at", "id")
    )
    out = []
    for session in sessions:
        session.holding = [b for b in session.all_bookings if b.status in HOLDING_STATUSES]
        session.waiting = sum(b.status == BookingStatus.WAITLISTED for b in session.all_bookings)
        if session.holding or session.status == SessionStatus.CLOSED:
            out.append(session)
    return facility, out
