"""Gather the facts the pure rules need, from rows, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from scheduler.rows import Rows, Statement, key_param, run_together
from visits.calendar import local_date, local_midnight_utc, month_bounds, week_bounds
from visits.models import (
    ACTIVE_STATUSES,
    ApprovedVisitor,
    Booking,
    BookingVisitor,
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


# The booking hot path asks these two questions on every attempt. They are plain SQL:
# building the equivalent ORM joins cost more CPU than the whole rest of the transaction.
_BOOKING = Booking._meta.db_table
_SESSION = Session._meta.db_table
_BOOKING_VISITOR = BookingVisitor._meta.db_table
_VISITOR = Visitor._meta.db_table


def _placeholders(values: tuple | list) -> str:
    return ", ".join(["%s"] * len(values))


def _when(value: dt.datetime) -> object:
    """A datetime as this database compares it (SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


_APPROVAL = ApprovedVisitor._meta.db_table


def _as_date(value: object) -> dt.date | None:
    """SQLite hands dates back as text from plain SQL; PostgreSQL as dates."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def household_visitor_facts(
    *, household_id: int, resident_id: int, visitor_ids: list[int]
) -> list[VisitorFacts]:
    """The chosen visitors of this household with their approval for the resident, in one
    query, ordered like `Visitor` (eldest first). People from other households are left out,
    so a shorter list means someone was not the household's own."""
    statement = visitor_facts_statement(
        household=Statement("%s", [household_id]), resident_id=resident_id,
        visitor_ids=visitor_ids,
    )
    return visitor_facts_from_rows(run_together([statement])[0])


def visitor_facts_statement(
    *, household: Statement, resident_id: int, visitor_ids: list[int]
) -> Statement:
    """`household_visitor_facts` as a statement; `household` is the SQL expression of the
    household's id (a parameter, or a subquery when it is read in the same round trip)."""
    # A key no row can have is left out (the answer is then short, like for a stranger).
    wanted = tuple(sorted({pk for pk in visitor_ids if key_param(Visitor, pk) is not None}))
    wanted = wanted or (0,)
    sql = f"""
        SELECT v.id, v.first_name, v.date_of_birth, a.status, a.expires_on,
               a.guardian_consent_on_file
        FROM {_VISITOR} v
        LEFT JOIN {_APPROVAL} a ON a.visitor_id = v.id AND a.resident_id = %s
        WHERE v.household_id = {household.sql} AND v.id IN ({_placeholders(wanted)})
        ORDER BY v.date_of_birth, v.id
    """  # noqa: S608 (table names from model metadata; every value is a parameter)
    return Statement(sql, [resident_id, *household.params, *wanted])


def visitor_facts_from_rows(rows: Rows | None) -> list[VisitorFacts]:
    return [
        VisitorFacts(
            id=visitor_id, first_name=first_name, date_of_birth=_as_date(born),
            approval_status=status, approval_expires_on=_as_date(expires),
            guardian_consent=bool(consent),
        )
        for visitor_id, first_name, born, status, expires, consent in rows or []
    ]


def resident_counts(
    *, session: Session, resident_id: int, exclude_booking_id: int | None
) -> tuple[int, int]:
    """Live bookings of the same kind for the resident in the session's local week and month."""
    (rows,) = run_together([resident_counts_statement(
        session=session, resident_id=resident_id, exclude_booking_id=exclude_booking_id)])
    ((in_week, in_month),) = rows
    return int(in_week), int(in_month)


def resident_counts_statement(
    *, session: Session, resident_id: int, exclude_booking_id: int | None
) -> Statement:
    """Live bookings of the same kind for the resident in the session's local week and
    month: one row (in the week, in the month)."""
    tz_name = session.facility.time_zone
    day = local_date(session.starts_at, tz_name)
    week = _utc_range(*week_bounds(day), tz_name)
    month = _utc_range(*month_bounds(day), tz_name)
    statuses = tuple(str(s) for s in ACTIVE_STATUSES)
    sql = f"""
        SELECT
          COALESCE(SUM(CASE WHEN s.starts_at >= %s AND s.starts_at < %s THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN s.starts_at >= %s AND s.starts_at < %s THEN 1 ELSE 0 END), 0)
        FROM {_BOOKING} b JOIN {_SESSION} s ON s.id = b.session_id
        WHERE b.resident_id = %s AND b.status IN ({_placeholders(statuses)})
          AND s.kind = %s AND s.starts_at >= %s AND s.starts_at < %s AND b.id <> %s
    """  # noqa: S608 (table names from model metadata; every value is a parameter)
    params = [
        _when(week[0]), _when(week[1]), _when(month[0]), _when(month[1]), resident_id,
        *statuses, str(session.kind), _when(min(week[0], month[0])),
        _when(max(week[1], month[1])), exclude_booking_id or 0,
    ]
    return Statement(sql, params)


def overlaps_statement(
    *, session: Session, resident_id: int, visitor_ids: list[int], exclude_booking_id: int | None
) -> Statement:
    """Live bookings that overlap the session and hold the resident or one of the visitors
    (see `overlaps_from_rows`)."""
    statuses = tuple(str(s) for s in ACTIVE_STATUSES)
    wanted = tuple(visitor_ids) or (0,)
    # One row per (clashing booking, one of its visitors we asked about, or none).
    sql = f"""
        SELECT b.resident_id, v.id, v.first_name
        FROM {_BOOKING} b
        JOIN {_SESSION} s ON s.id = b.session_id
        LEFT JOIN {_BOOKING_VISITOR} bv
          ON bv.booking_id = b.id AND bv.visitor_id IN ({_placeholders(wanted)})
        LEFT JOIN {_VISITOR} v ON v.id = bv.visitor_id
        WHERE b.status IN ({_placeholders(statuses)})
          AND s.starts_at < %s AND s.ends_at > %s AND b.id <> %s
          AND (b.resident_id = %s OR bv.visitor_id IS NOT NULL)
    """  # noqa: S608 (table names from model metadata; every value is a parameter)
    params = [
        *wanted, *statuses, _when(session.ends_at), _when(session.starts_at),
        exclude_booking_id or 0, resident_id,
    ]
    return Statement(sql, params)


def overlaps_from_rows(rows: Rows, resident_id: int) -> tuple[bool, list[str]]:
    """Whether the resident, and which visitors (names), are already in an overlapping
    live booking."""
    resident_busy = any(row[0] == resident_id for row in rows)
    busy_names = {visitor_id: name for _r, visitor_id, name in rows if visitor_id is not None}
    return resident_busy, sorted(busy_names.values())


def draft_for(
    *,
    session: Session,
    resident_id: int,
    visitors: list[Visitor] | list[VisitorFacts],
    now: dt.datetime,
    exclude_booking_id: int | None = None,
) -> DraftBooking:
    # Both questions go to the database together (one round trip).
    counted, overlapping = run_together([
        resident_counts_statement(
            session=session, resident_id=resident_id, exclude_booking_id=exclude_booking_id
        ),
        overlaps_statement(
            session=session,
            resident_id=resident_id,
            visitor_ids=[v.id if isinstance(v, VisitorFacts) else v.pk for v in visitors],
            exclude_booking_id=exclude_booking_id,
        ),
    ])
    ((week, month),) = counted or [(0, 0)]
    resident_busy, busy = overlaps_from_rows(overlapping or [], resident_id)
    return DraftBooking(
        session=session_facts(session),
        visitors=(
            list(visitors)  # already facts (the booking hot path gathers them in one query)
            if all(isinstance(v, VisitorFacts) for v in visitors)
            else visitor_facts(visitors, resident_id)
        ),
        now=now,
        resident_week_count=int(week),
        resident_month_count=int(month),
        resident_has_overlap=resident_busy,
        visitors_with_overlap=busy,
    )
