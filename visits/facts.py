"""Gather the facts the pure rules need, from rows, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, FilteredRelation, Q, QuerySet

from visits.calendar import local_date, local_midnight_utc, month_bounds, week_bounds
from visits.models import (
    ACTIVE_STATUSES,
    ApprovedVisitor,
    Booking,
    Session,
    Visitor,
)
from visits.rules import DraftBooking, SessionFacts, VisitorFacts


def session_facts(session: Session) -> SessionFacts:
    rule = session.rule
    return SessionFacts(
        id=session.pk,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        is_open=session.status == "open",
        tz_name=session.facility.time_zone,
        max_adults=rule.max_adults,
        max_children=rule.max_children,
        max_visitors=rule.max_visitors,
        opens_days_before=rule.opens_days_before,
        closes_hours_before=rule.closes_hours_before,
        weekly_quota=rule.weekly_quota,
        monthly_quota=rule.monthly_quota,
    )


def visitor_facts(visitors: list[Visitor], resident_id: int) -> list[VisitorFacts]:
    approvals = {
        a.visitor_id: a
        for a in ApprovedVisitor.objects.filter(
            resident_id=resident_id, visitor_id__in=[v.pk for v in visitors]
        )
    }
    out = []
    for visitor in visitors:
        approval = approvals.get(visitor.pk)
        out.append(
            VisitorFacts(
                id=visitor.pk,
                first_name=visitor.first_name,
                date_of_birth=visitor.date_of_birth,
                approval_status=approval.status if approval else None,
                approval_expires_on=approval.expires_on if approval else None,
                guardian_consent=approval.guardian_consent_on_file if approval else False,
            )
        )
    return out


def _utc_range(first: dt.date, last: dt.date, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight_utc(first, tz_name), local_midnight_utc(
        last + dt.timedelta(days=1), tz_name
    )


def household_visitor_facts(
    *, household_id: int, resident_id: int, visitor_ids: list[int]
) -> list[VisitorFacts]:
    """The chosen visitors of this household with their approval for the resident, in one
    query, ordered like `Visitor` (eldest first). People from other households are left out,
    so a shorter list means someone was not the household's own."""
    rows = (
        Visitor.objects.filter(household_id=household_id, pk__in=set(visitor_ids))
        .annotate(approval=FilteredRelation(
            "approvals", condition=Q(approvals__resident_id=resident_id)))
        .order_by("date_of_birth", "pk")
        .values_list("pk", "first_name", "date_of_birth", "approval__status",
                     "approval__expires_on", "approval__guardian_consent_on_file")
    )
    return [
        VisitorFacts(
            id=visitor_id, first_name=first_name, date_of_birth=born,
            approval_status=status, approval_expires_on=expires,
            guardian_consent=bool(consent),
        )
        for visitor_id, first_name, born, status, expires, consent in rows
    ]


def _live_bookings(exclude_booking_id: int | None) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(status__in=ACTIVE_STATUSES)
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return bookings


def resident_counts(
    *, session: Session, resident_id: int, exclude_booking_id: int | None
) -> tuple[int, int]:
    """Live bookings of the same kind for the resident in the session's local week and
    month, in one query (two filtered counts)."""
    tz_name = session.facility.time_zone
    day = local_date(session.starts_at, tz_name)
    week = _utc_range(*week_bounds(day), tz_name)
    month = _utc_range(*month_bounds(day), tz_name)
    counts = _live_bookings(exclude_booking_id).filter(
        resident_id=resident_id, session__kind=session.kind,
        session__starts_at__gte=min(week[0], month[0]),
        session__starts_at__lt=max(week[1], month[1]),
    ).aggregate(
        week=Count("pk", filter=Q(session__starts_at__gte=week[0],
                                  session__starts_at__lt=week[1])),
        month=Count("pk", filter=Q(session__starts_at__gte=month[0],
                                   session__starts_at__lt=month[1])),
    )
    return counts["week"], counts["month"]


def overlaps(
    *, session: Session, resident_id: int, visitor_ids: list[int], exclude_booking_id: int | None
) -> tuple[bool, list[str]]:
    """Whether the resident, and which of the visitors (first names), are already in a
    live booking that overlaps the session, in one query."""
    wanted = set(visitor_ids)
    rows = _live_bookings(exclude_booking_id).filter(
        Q(resident_id=resident_id) | Q(booking_visitors__visitor_id__in=wanted),
        session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at,
    ).order_by().values_list("resident_id", "booking_visitors__visitor_id",
                  "booking_visitors__visitor__first_name")
    resident_busy = False
    busy: dict[int, str] = {}
    for booked_resident, visitor_id, name in rows:
        resident_busy = resident_busy or booked_resident == resident_id
        if visitor_id in wanted:  # a clash found by the resident lists all its visitors
            busy[visitor_id] = name
    return resident_busy, sorted(busy.values())


def draft_for(
    *,
    session: Session,
    resident_id: int,
    visitors: list[Visitor] | list[VisitorFacts],
    now: dt.datetime,
    exclude_booking_id: int | None = None,
) -> DraftBooking:
    week, month = resident_counts(
        session=session, resident_id=resident_id, exclude_booking_id=exclude_booking_id)
    resident_busy, busy = overlaps(
        session=session, resident_id=resident_id,
        visitor_ids=[v.id if isinstance(v, VisitorFacts) else v.pk for v in visitors],
        exclude_booking_id=exclude_booking_id,
    )
    return DraftBooking(
        session=session_facts(session),
        visitors=(
            list(visitors)  # already facts (the booking path gathers them in one query)
            if all(isinstance(v, VisitorFacts) for v in visitors)
            else visitor_facts(visitors, resident_id)
        ),
        now=now,
        resident_week_count=week,
        resident_month_count=month,
        resident_has_overlap=resident_busy,
        visitors_with_overlap=busy,
    )
