"""Gather the facts the pure rules need, from rows, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import BigIntegerField, F, FilteredRelation, Q, QuerySet, Value

from visits.calendar import local_date, local_midnight_utc, month_bounds, week_bounds
from visits.models import (
    ACTIVE_STATUSES,
    ApprovedVisitor,
    Booking,
    Household,
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


def _with_approval(visitors: QuerySet[Visitor], resident_id: int) -> QuerySet[Visitor]:
    """Each visitor with her approval for the resident (none: no row), eldest first."""
    return visitors.annotate(approval=FilteredRelation(
        "approvals", condition=Q(approvals__resident_id=resident_id))).order_by(
        "date_of_birth", "pk")


def household_visitor_facts(
    *, household_id: int, resident_id: int, visitor_ids: list[int]
) -> list[VisitorFacts]:
    """The chosen visitors of this household with their approval for the resident, in one
    query, ordered like `Visitor` (eldest first). People from other households are left out,
    so a shorter list means someone was not the household's own."""
    rows = _with_approval(
        Visitor.objects.filter(household_id=household_id, pk__in=set(visitor_ids)), resident_id,
    ).values_list("pk", "first_name", "date_of_birth", "approval__status",
                  "approval__expires_on", "approval__guardian_consent_on_file")
    return [
        VisitorFacts(
            id=visitor_id, first_name=first_name, date_of_birth=born,
            approval_status=status, approval_expires_on=expires,
            guardian_consent=bool(consent),
        )
        for visitor_id, first_name, born, status, expires, consent in rows
    ]


def household_and_visitor_facts(
    *, caregiver_id: int, resident_id: int, visitor_ids: list[int], lock: bool,
) -> tuple[Household, list[VisitorFacts]] | None:
    """The caregiver's household (locked, with `lock`) with the chosen visitors of it and
    their approval for the resident, in one query; None if no row comes back (no visitor of
    hers chosen, she keeps no household, or, with `lock`, her household's row is held by
    another transaction).

    SKIP LOCKED, so that this query never waits: in READ COMMITTED a statement that waited
    for the lock would return the visitors as they were before the wait, and the holder may
    have been her own visitor_update or visitor_remove. The caller takes the long way then
    (`lock_household_of`, which waits, and a fresh read). Only the household's row is locked:
    the approvals are the nullable side of an outer join."""
    visitors = _with_approval(
        Visitor.objects.filter(household__caregiver_id=caregiver_id, pk__in=set(visitor_ids)),
        resident_id,
    ).annotate(
        approval_status=F("approval__status"), approval_expires_on=F("approval__expires_on"),
        guardian_consent=F("approval__guardian_consent_on_file"),
    ).select_related("household")
    if lock:
        visitors = visitors.select_for_update(of=("household",), skip_locked=True)
    rows = list(visitors)
    if not rows:
        return None
    return rows[0].household, [
        VisitorFacts(
            id=v.pk, first_name=v.first_name, date_of_birth=v.date_of_birth,
            approval_status=v.approval_status, approval_expires_on=v.approval_expires_on,
            guardian_consent=bool(v.guardian_consent),
        )
        for v in rows
    ]


def _live_bookings(exclude_booking_id: int | None) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(status__in=ACTIVE_STATUSES)
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return bookings


@dataclass(frozen=True)
class BookedAround:
    """What the resident's and the visitors' other live bookings say about a session."""

    week_count: int  # the resident's bookings of the same kind in the session's local week
    month_count: int  # ... and in its local month
    resident_busy: bool  # the resident is in a booking that overlaps the session
    visitors_busy: list[str]  # first names of the chosen visitors in an overlapping booking


def _quota_ranges(session: Session) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The session's local week (Monday to Sunday) and month, as UTC instants."""
    tz_name = session.facility.time_zone
    day = local_date(session.starts_at, tz_name)
    return _utc_range(*week_bounds(day), tz_name), _utc_range(*month_bounds(day), tz_name)


def booked_around(
    *, session: Session, resident_id: int, visitors: Sequence[Visitor | VisitorFacts],
    exclude_booking_id: int | None,
) -> BookedAround:
    """The resident's quota counts and who is already booked at the session's time, in one
    query of two parts joined by UNION ALL: the resident's live bookings of the same kind in
    the wider of the local week and month, or overlapping the session; and the chosen
    visitors' live bookings overlapping it. One row per booking and visitor: the counts
    take distinct bookings. The chosen visitors' names come from `visitors`, not from
    another join.

    Two parts, not one condition with OR: an OR across the resident and the visitors'
    table left PostgreSQL no index to start from, and it read every live booking (10 ms
    with 20,000 of them, and more as they grow); each part starts from its own index."""
    names = {v.id if isinstance(v, VisitorFacts) else v.pk: v.first_name for v in visitors}
    week, month = _quota_ranges(session)
    overlapping = Q(session__starts_at__lt=session.ends_at,
                    session__ends_at__gt=session.starts_at)
    same_kind_nearby = Q(
        session__kind=session.kind,
        session__starts_at__gte=min(week[0], month[0]),
        session__starts_at__lt=max(week[1], month[1]),
    )
    booking = ("pk", "resident_id", "session__kind", "session__starts_at", "session__ends_at")
    # Who comes to the resident's own bookings is not asked: a chosen visitor in one of
    # them is found by the second part too.
    no_visitor = Value(None, output_field=BigIntegerField())
    the_residents = _live_bookings(exclude_booking_id).filter(
        Q(resident_id=resident_id) & (same_kind_nearby | overlapping))
    the_visitors = _live_bookings(exclude_booking_id).filter(
        overlapping, booking_visitors__visitor_id__in=set(names))
    rows = the_residents.order_by().values_list(*booking, no_visitor).union(
        the_visitors.order_by().values_list(*booking, "booking_visitors__visitor_id"),
        all=True).order_by()  # _fold needs no order: no ORDER BY to build or sort
    return _fold(list(rows), session=session, resident_id=resident_id,
                 names=names, week=week, month=month)


def _fold(
    rows: list[tuple], *, session: Session, resident_id: int, names: dict[int, str],
    week: tuple[dt.datetime, dt.datetime], month: tuple[dt.datetime, dt.datetime],
) -> BookedAround:
    """Sort the rows of `booked_around` into its answer, by the same conditions."""
    in_week: set[int] = set()
    in_month: set[int] = set()
    resident_busy = False
    busy: dict[int, str] = {}
    for pk, booked_resident, kind, starts_at, ends_at, visitor_id in rows:
        own = booked_resident == resident_id
        if own and kind == session.kind:
            if week[0] <= starts_at < week[1]:
                in_week.add(pk)
            if month[0] <= starts_at < month[1]:
                in_month.add(pk)
        if starts_at < session.ends_at and ends_at > session.starts_at:
            resident_busy = resident_busy or own
            if visitor_id in names:  # a clash found by the resident lists all its visitors
                busy[visitor_id] = names[visitor_id]
    return BookedAround(week_count=len(in_week), month_count=len(in_month),
                        resident_busy=resident_busy, visitors_busy=sorted(busy.values()))


def draft_for(
    *,
    session: Session,
    resident_id: int,
    visitors: list[Visitor] | list[VisitorFacts],
    now: dt.datetime,
    exclude_booking_id: int | None = None,
) -> DraftBooking:
    around = booked_around(session=session, resident_id=resident_id, visitors=visitors,
                           exclude_booking_id=exclude_booking_id)
    return DraftBooking(
        session=session_facts(session),
        visitors=(
            list(visitors)  # already facts (the booking path gathers them in one query)
            if all(isinstance(v, VisitorFacts) for v in visitors)
            else visitor_facts(visitors, resident_id)
        ),
        now=now,
        resident_week_count=around.week_count,
        resident_month_count=around.month_count,
        resident_has_overlap=around.resident_busy,
        visitors_with_overlap=around.visitors_busy,
    )
