"""Plain factory functions for the visits tests: rows in, nothing clever.

Each function takes keyword arguments for what a test cares about and picks believable
defaults for the rest. Bookings made here bypass the services (to set up a state quickly),
so they keep the session's `held` counter right themselves.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from rest_framework.authtoken.models import Token

from transport.models import Coordinator, Driver
from visits.models import (
    HOLDING_STATUSES,
    ApprovalStatus,
    ApprovedVisitor,
    Booking,
    BookingStatus,
    BookingVisitor,
    Facility,
    Household,
    HousingUnit,
    Liaison,
    Resident,
    Session,
    SessionStatus,
    VisitingRule,
    VisitKind,
    Visitor,
)

CHICAGO = "America/Chicago"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def years_ago(years: int, *, extra_days: int = 40) -> dt.date:
    """A birthday that makes someone `years` old today (and not about to turn older)."""
    today = timezone.now().date()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - dt.timedelta(days=extra_days)


def in_hours(hours: float) -> dt.datetime:
    """A whole minute about `hours` from now (UTC)."""
    return (timezone.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


def local_morning(*, days_ahead: int, hour: int = 10, time_zone: str = CHICAGO) -> dt.datetime:
    """`hour`:00 facility time, `days_ahead` local days from today, in UTC."""
    zone = ZoneInfo(time_zone)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour), zone).astimezone(dt.UTC)


def next_local_tuesday(hour: int = 10, *, time_zone: str = CHICAGO) -> dt.datetime:
    """The first Tuesday `hour`:00 (facility time) at least two days ahead, in UTC: inside the
    default booking window, with the rest of its Monday-to-Sunday week and the next day of the
    same week around it, whatever weekday today is."""
    zone = ZoneInfo(time_zone)
    day = (timezone.now() + dt.timedelta(days=2)).astimezone(zone).date() + dt.timedelta(days=1)
    day += dt.timedelta(days=(1 - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour), zone).astimezone(dt.UTC)


# --- people -----------------------------------------------------------------------------


def make_user(username: str | None = None, **extra: object):
    username = username or f"user{_n()}"
    return get_user_model().objects.create_user(username=username, password=None, **extra)


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def make_liaison(facility: Facility, username: str | None = None):
    user = make_user(username or f"liaison{_n()}")
    Liaison.objects.create(user=user, facility=facility)
    return user


def make_coordinator(username: str | None = None):
    user = make_user(username or f"coordinator{_n()}")
    Coordinator.objects.create(user=user)
    return user


def make_driver(username: str | None = None):
    user = make_user(username or f"driver{_n()}")
    Driver.objects.create(user=user, home_base="Springfield, IL")
    return user


def make_household(
    username: str | None = None,
    *,
    name: str | None = None,
    adult_first_name: str = "Rosa",
    adult_born: dt.date | None = None,
    children: Iterable[tuple[str, int]] = (),
) -> Household:
    """A caregiver's account, her own visitor row, and the children in her care."""
    n = _n()
    user = make_user(username or f"caregiver{n}")
    household = Household.objects.create(caregiver=user, name=name or f"Family {n}")
    make_visitor(household, first_name=adult_first_name,
                 born=adult_born or dt.date(1961, 4, 2), is_caregiver=True)
    for first_name, age in children:
        make_visitor(household, first_name=first_name, born=years_ago(age))
    return household


def make_visitor(
    household: Household, *, first_name: str, born: dt.date, is_caregiver: bool = False
) -> Visitor:
    return Visitor.objects.create(
        household=household, first_name=first_name, last_name=household.name.split()[0],
        date_of_birth=born, is_caregiver=is_caregiver,
    )


def adults(household: Household) -> list[Visitor]:
    today = timezone.now().date()
    return [v for v in household.visitors.order_by("id") if not v.is_child_on(today)]


def children(household: Household) -> list[Visitor]:
    today = timezone.now().date()
    return [v for v in household.visitors.order_by("id") if v.is_child_on(today)]


def approve(
    visitors: Iterable[Visitor],
    resident: Resident,
    *,
    status: str = ApprovalStatus.APPROVED,
    expires_on: dt.date | None = None,
    guardian_consent: bool = True,
) -> list[ApprovedVisitor]:
    return [
        ApprovedVisitor.objects.create(
            visitor=v, resident=resident, status=status, expires_on=expires_on,
            guardian_consent_on_file=guardian_consent,
        )
        for v in visitors
    ]


# --- places and times -------------------------------------------------------------------


def make_facility(
    name: str | None = None, *, time_zone: str = CHICAGO, units: Iterable[str] = ("Unit A",)
) -> Facility:
    facility = Facility.objects.create(
        name=name or f"Facility {_n()}", time_zone=time_zone,
        video_link_template="https://video.example.org/room/{booking}",
    )
    for unit in units:
        HousingUnit.objects.create(facility=facility, name=unit)
    return facility


def unit_of(facility: Facility, name: str = "Unit A") -> HousingUnit:
    return HousingUnit.objects.get(facility=facility, name=name)


def make_resident(
    facility: Facility,
    *,
    unit: HousingUnit | None = None,
    first_name: str = "Maria",
    last_name: str = "Lopez",
    prison_id: str | None = None,
) -> Resident:
    return Resident.objects.create(
        facility=facility, unit=unit, first_name=first_name, last_name=last_name,
        prison_id=prison_id or f"W{100000 + _n()}",
    )


RULE_DEFAULTS: dict[str, object] = {
    "kind": VisitKind.IN_PERSON,
    "rrule": "FREQ=WEEKLY;BYDAY=SA;BYHOUR=9;BYMINUTE=0",
    "starts_on": dt.date(2026, 1, 1),
    "duration_minutes": 120,
    "capacity": 10,
    "max_adults": 2,
    "max_children": 3,
    "max_visitors": 4,
    "opens_days_before": 14,
    "closes_hours_before": 24,
    "cancel_hours_before": 12,
    "weekly_quota": 2,
    "monthly_quota": 6,
}


def make_rule(
    facility: Facility, *, unit: HousingUnit | None = None, **fields: object
) -> VisitingRule:
    values = {**RULE_DEFAULTS, "name": f"Rule {_n()}", **fields}
    return VisitingRule.objects.create(facility=facility, unit=unit, **values)


def make_session(
    rule: VisitingRule,
    *,
    starts_at: dt.datetime | None = None,
    hours_from_now: float | None = None,
    capacity: int | None = None,
    status: str = SessionStatus.OPEN,
    minutes: int | None = None,
) -> Session:
    """One session of `rule`, by default at 10 a.m. facility time three days from now: inside
    the booking window, and with the rest of that morning (and day) around it whatever the
    time of day is now, so a test can put another session an hour or two later that day."""
    if starts_at is None and hours_from_now is None:
        starts_at = local_morning(days_ahead=3, time_zone=rule.facility.time_zone)
    start = starts_at or in_hours(hours_from_now or 0)
    return Session.objects.create(
        rule=rule, facility_id=rule.facility_id, unit_id=rule.unit_id, kind=rule.kind,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes or rule.duration_minutes),
        capacity=rule.capacity if capacity is None else capacity,
        status=status,
    )


def make_booking(
    session: Session,
    resident: Resident,
    household: Household,
    visitors: Iterable[Visitor] | None = None,
    *,
    status: str = BookingStatus.REQUESTED,
    offer_expires_at: dt.datetime | None = None,
) -> Booking:
    """A booking row as the services would leave it (counts a held place)."""
    booking = Booking.objects.create(
        session=session, resident=resident, household=household, status=status,
        offer_expires_at=offer_expires_at,
    )
    people = list(visitors) if visitors is not None else adults(household)[:1]
    BookingVisitor.objects.bulk_create([BookingVisitor(booking=booking, visitor=v) for v in people])
    if status in HOLDING_STATUSES:
        Session.objects.filter(pk=session.pk).update(held=F("held") + 1)
        session.refresh_from_db(fields=["held"])
    return booking


def fill(session: Session, resident_facility: Facility, count: int) -> list[Booking]:
    """`count` requested bookings by other families (each with its own resident)."""
    out = []
    for _ in range(count):
        household = make_household()
        resident = make_resident(resident_facility, unit=session.unit)
        approve(adults(household), resident)
        out.append(make_booking(session, resident, household))
    return out
