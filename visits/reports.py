"""Reads for the liaisons' day list and reports: rows for the gate and for spreadsheets.

Every function takes the acting user and keeps to her facility (`facility_of_liaison`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from visits.access import facility_of_liaison
from visits.calendar import local_midnight_utc
from visits.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    BookingStatusChange,
    Facility,
    Session,
)
from visits.reasons import reason_text

# Statuses that are no visit at all (kept in the exports, with who dropped them). The gate's
# list has only the families coming: not those waiting for a place or offered one.
DROPPED = (BookingStatus.CANCELLED, BookingStatus.DECLINED)


def _people(booking: Booking, day: dt.date) -> tuple[int, int]:
    children = sum(1 for v in booking.visitors.all() if v.is_child_on(day))
    return len(booking.visitors.all()) - children, children


def _local(session: Session, moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(session.facility.tz)


DAY_LIST_HEADER = ("time", "unit", "kind", "resident", "prison_id", "status", "visitors",
                   "adults", "children", "wheelchair", "interpreter", "support_note")


def day_list_rows(*, user: AbstractBaseUser, day: dt.date) -> list[tuple]:
    """One row per family expected at the gate on the facility's local `day`."""
    facility = facility_of_liaison(user)
    bookings = (
        Booking.objects.filter(session__in=_day_sessions(facility, day),
                               status__in=ACTIVE_STATUSES)
        .select_related("session__facility", "session__unit", "resident")
        .prefetch_related("visitors").order_by("session__starts_at", "resident__last_name", "id")
    )
    rows = []
    for b in bookings:
        adults, children = _people(b, day)
        rows.append((
            _local(b.session, b.session.starts_at).strftime("%H:%M"),
            b.session.unit.name if b.session.unit else "", b.session.get_kind_display(),
            str(b.resident), b.resident.prison_id, b.get_status_display(),
            ", ".join(str(v) for v in b.visitors.all()), adults, children,
            _("yes") if b.needs_wheelchair else "", b.interpreter_language, b.support_note,
        ))
    return rows


def _day_sessions(facility: Facility, day: dt.date):
    start = local_midnight_utc(day, facility.time_zone)
    end = local_midnight_utc(day + dt.timedelta(days=1), facility.time_zone)
    return Session.objects.filter(facility=facility, starts_at__gte=start, starts_at__lt=end)


VISITS_HEADER = ("date", "time", "kind", "unit", "resident", "prison_id", "household",
                 "status", "adults", "children", "cancelled_by", "reason")


def _range_bookings(facility: Facility, first: dt.date, last: dt.date):
    start = local_midnight_utc(first, facility.time_zone)
    end = local_midnight_utc(last + dt.timedelta(days=1), facility.time_zone)
    return Booking.objects.filter(session__facility=facility, session__starts_at__gte=start,
                                  session__starts_at__lt=end)


def _cancelled_by(booking: Booking) -> str:
    """Who dropped the visit: the family (its caregiver acted), or the facility."""
    if booking.status not in DROPPED:
        return ""
    changes = list(booking.history.all())  # prefetched, oldest first
    last = changes[-1] if changes else None
    if last and last.actor_id == booking.household.caregiver_id:
        return _("family")
    return _("facility")


def visit_rows(*, user: AbstractBaseUser, first: dt.date, last: dt.date) -> list[tuple]:
    """Every booking of the facility's sessions in [first, last] (local days), any status."""
    facility = facility_of_liaison(user)
    history = BookingStatusChange.objects.order_by("at", "id")
    bookings = (
        _range_bookings(facility, first, last)
        .select_related("session__facility", "session__unit", "resident", "household")
        .prefetch_related("visitors", Prefetch("history", queryset=history))
        .order_by("session__starts_at", "id")
    )
    rows = []
    for b in bookings:
        local = _local(b.session, b.session.starts_at)
        adults, children = _people(b, local.date())
        rows.append((
            local.date().isoformat(), local.strftime("%H:%M"), b.session.get_kind_display(),
            b.session.unit.name if b.session.unit else "", str(b.resident),
            b.resident.prison_id, b.household.name, b.get_status_display(), adults, children,
            _cancelled_by(b), reason_text(b.reason_code, b.reason),
        ))
    return rows


@dataclass
class MonthCounts:
    month: dt.date
    counts: Counter  # status -> bookings

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def counts_per_month(*, user: AbstractBaseUser, first: dt.date, last: dt.date) -> list[MonthCounts]:
    """Bookings per month (of the facility's local dates) and status, oldest first."""
    facility = facility_of_liaison(user)
    grouped = (
        _range_bookings(facility, first, last)
        .annotate(month=TruncMonth("session__starts_at", tzinfo=facility.tz))
        .values("month", "status").annotate(n=Count("id")).order_by("month")
    )
    months: dict[dt.date, Counter] = {}
    for row in grouped:
        months.setdefault(row["month"].date(), Counter())[row["status"]] += row["n"]
    return [MonthCounts(month=m, counts=c) for m, c in sorted(months.items())]
