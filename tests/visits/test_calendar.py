"""Rules to sessions (visits/calendar.py) across DST, and keeping sessions in step with rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from tests import factories as f
from visits.calendar import expand, local_date, month_bounds, parse_rrule, week_bounds
from visits.models import BookingStatus, Closure, Session, SessionStatus
from visits.services import rule_sync_sessions

UTC = dt.UTC
CHICAGO = "America/Chicago"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def wall(instant: dt.datetime, tz: str = CHICAGO) -> dt.datetime:
    return instant.astimezone(zoneinfo.ZoneInfo(tz)).replace(tzinfo=None)


def occurrences(rrule: str, first: dt.date, last: dt.date, *, minutes: int = 120,
                tz: str = CHICAGO, starts_on: dt.date | None = None,
                ends_on: dt.date | None = None) -> list:
    return expand(rrule_text=rrule, starts_on=starts_on or dt.date(2026, 1, 1), ends_on=ends_on,
                  duration_minutes=minutes, tz_name=tz, window_start=first, window_end=last)


# --- expand() across daylight-saving changes --------------------------------------------

SATURDAYS = [
    pytest.param(CHICAGO, dt.date(2026, 2, 28), [15, 15, 14, 14], id="chicago-spring-2026"),
    pytest.param(CHICAGO, dt.date(2026, 10, 24), [14, 14, 15, 15], id="chicago-autumn-2026"),
    pytest.param(CHICAGO, dt.date(2027, 3, 6), [15, 15, 14, 14], id="chicago-spring-2027"),
    pytest.param(CHICAGO, dt.date(2027, 10, 30), [14, 14, 15, 15], id="chicago-autumn-2027"),
    pytest.param("America/Los_Angeles", dt.date(2026, 2, 28), [17, 17, 16, 16],
                 id="los-angeles-spring-2026"),
    pytest.param("America/Los_Angeles", dt.date(2026, 10, 24), [16, 16, 17, 17],
                 id="los-angeles-autumn-2026"),
]


@pytest.mark.parametrize("tz, first_saturday, utc_hours", SATURDAYS)
def test_saturday_9am_stays_9am_local_while_the_utc_instant_moves_an_hour(
    tz: str, first_saturday: dt.date, utc_hours: list[int]
) -> None:
    last = first_saturday + dt.timedelta(days=21)
    got = occurrences("FREQ=WEEKLY;BYDAY=SA;BYHOUR=9;BYMINUTE=0", first_saturday, last, tz=tz)
    days = [first_saturday + dt.timedelta(weeks=i) for i in range(4)]
    assert [o.starts_at for o in got] == [
        utc(d.year, d.month, d.day, h) for d, h in zip(days, utc_hours, strict=True)
    ]
    assert all(wall(o.starts_at, tz).time() == dt.time(9, 0) for o in got)
    assert all(wall(o.ends_at, tz).time() == dt.time(11, 0) for o in got)
    assert all(o.starts_at.tzinfo is not None and o.starts_at.utcoffset() == dt.timedelta(0)
               for o in got)


@pytest.mark.parametrize("day", [dt.date(2026, 3, 8), dt.date(2027, 3, 14)])
def test_a_0230_rule_on_spring_forward_day_happens_once_an_hour_later(day: dt.date) -> None:
    got = occurrences("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", day - dt.timedelta(days=1),
                      day + dt.timedelta(days=1), minutes=60)
    assert [local_date(o.starts_at, CHICAGO) for o in got] == [
        day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)
    ]
    before, gap, after = got
    # 02:30 does not exist that night: the visit is at 03:30 CDT (08:30 UTC), once.
    assert gap.starts_at == utc(day.year, day.month, day.day, 8, 30)
    assert wall(gap.starts_at) == dt.datetime(day.year, day.month, day.day, 3, 30)
    assert gap.ends_at - gap.starts_at == dt.timedelta(hours=1)
    assert wall(before.starts_at).time() == wall(after.starts_at).time() == dt.time(2, 30)


@pytest.mark.parametrize("day", [dt.date(2026, 11, 1), dt.date(2027, 11, 7)])
def test_the_repeated_autumn_hour_gives_one_session_not_two(day: dt.date) -> None:
    got = occurrences("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", day, day, minutes=30)
    # 01:30 happens twice (CDT, then CST): the first one, once.
    assert [o.starts_at for o in got] == [utc(day.year, day.month, day.day, 6, 30)]

    hourly = occurrences("FREQ=HOURLY;BYMINUTE=0", day, day, minutes=30)
    assert len(hourly) == 24
    assert len({o.starts_at for o in hourly}) == 24
    assert [wall(o.starts_at).hour for o in hourly] == list(range(24))


def test_a_session_ends_on_the_wall_clock_across_a_change() -> None:
    spring = occurrences("FREQ=DAILY;BYHOUR=1;BYMINUTE=0", dt.date(2026, 3, 8),
                         dt.date(2026, 3, 8), minutes=120)[0]
    assert (wall(spring.starts_at).time(), wall(spring.ends_at).time()) == (
        dt.time(1, 0), dt.time(3, 0))
    assert spring.ends_at - spring.starts_at == dt.timedelta(hours=1)  # a 23-hour night

    autumn = occurrences("FREQ=DAILY;BYHOUR=0;BYMINUTE=30", dt.date(2026, 11, 1),
                         dt.date(2026, 11, 1), minutes=120)[0]
    assert (wall(autumn.starts_at).time(), wall(autumn.ends_at).time()) == (
        dt.time(0, 30), dt.time(2, 30))
    assert autumn.ends_at - autumn.starts_at == dt.timedelta(hours=3)  # a 25-hour night


def test_window_is_a_range_of_local_days_inclusive() -> None:
    # 18:00 in Chicago on 1 Dec is 00:00 UTC on 2 Dec; it belongs to the local day 1 Dec.
    got = occurrences("FREQ=DAILY;BYHOUR=18;BYMINUTE=0", dt.date(2026, 12, 1),
                      dt.date(2026, 12, 3), minutes=30)
    assert [o.starts_at for o in got] == [utc(2026, 12, 2), utc(2026, 12, 3), utc(2026, 12, 4)]


def test_rule_first_and_last_day_clip_the_window() -> None:
    rule = "FREQ=DAILY;BYHOUR=9;BYMINUTE=0"
    got = occurrences(rule, dt.date(2026, 12, 1), dt.date(2026, 12, 31),
                      starts_on=dt.date(2026, 12, 10), ends_on=dt.date(2026, 12, 12))
    assert [local_date(o.starts_at, CHICAGO).day for o in got] == [10, 11, 12]
    assert occurrences(rule, dt.date(2026, 12, 1), dt.date(2026, 12, 9),
                       starts_on=dt.date(2026, 12, 10)) == []
    assert occurrences(rule, dt.date(2026, 12, 13), dt.date(2026, 12, 20),
                       ends_on=dt.date(2026, 12, 12)) == []


def test_rrule_parsing_accepts_the_prefix_and_explains_mistakes() -> None:
    start = dt.datetime(2026, 1, 1)
    assert parse_rrule("RRULE:FREQ=WEEKLY;BYDAY=SA", start).between(
        dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 11), inc=True
    ) == [dt.datetime(2026, 1, 3), dt.datetime(2026, 1, 10)]
    for bad in ["", "   ", "FREQ=SOMETIMES", "BYDAY=XX"]:
        with pytest.raises(ValueError, match="recurrence"):
            parse_rrule(bad, start)


def test_week_and_month_bounds() -> None:
    assert week_bounds(dt.date(2026, 3, 8)) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert week_bounds(dt.date(2026, 3, 9)) == (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    assert month_bounds(dt.date(2028, 2, 10)) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert month_bounds(dt.date(2026, 12, 31)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


# --- rule_sync_sessions: materialised sessions follow the rule --------------------------


def today_local(tz: str = CHICAGO) -> dt.date:
    return local_date(timezone.now(), tz)


def expected_starts(days: int, hour: int, tz: str = CHICAGO) -> set[dt.datetime]:
    """Future local `hour`:00 instants on the local days today..today+days."""
    zone = zoneinfo.ZoneInfo(tz)
    today = today_local(tz)
    out = set()
    for i in range(days + 1):
        day = today + dt.timedelta(days=i)
        instant = dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)
        if instant >= timezone.now():
            out.add(instant)
    return out


def starts(rule) -> set[dt.datetime]:
    return set(Session.objects.filter(rule=rule).values_list("starts_at", flat=True))


_CHICAGO = zoneinfo.ZoneInfo(CHICAGO)
AWKWARD_MOMENTS = {
    "before-spring-forward": dt.datetime(2027, 3, 13, 23, 40, tzinfo=_CHICAGO),
    "before-fall-back": dt.datetime(2027, 11, 6, 23, 40, tzinfo=_CHICAGO),
    "new-years-eve": dt.datetime(2026, 12, 31, 23, 40, tzinfo=_CHICAGO),
    "midweek-noon": dt.datetime(2026, 12, 2, 12, 0, tzinfo=_CHICAGO),
}


@pytest.fixture(params=list(AWKWARD_MOMENTS.values()), ids=list(AWKWARD_MOMENTS))
def clock(request, time_machine) -> dt.datetime:
    """These tests read "today" in Chicago: each runs with the clock set (and ticking) at
    moments where a wrong day or hour would show, not at whatever today happens to be."""
    time_machine.move_to(request.param)
    return request.param


@pytest.fixture
def facility(db: None, clock: dt.datetime):
    return f.make_facility(time_zone=CHICAGO, units=("Unit A", "Unit B"))


def daily_rule(facility, hour: int = 10, **fields: object):
    values = {"rrule": f"FREQ=DAILY;BYHOUR={hour};BYMINUTE=0",
              "starts_on": today_local() - dt.timedelta(days=3), "capacity": 4}
    values.update(fields)
    return f.make_rule(facility, **values)


@pytest.mark.parametrize("hour", [0, 10, 23])
def test_sync_materialises_each_future_occurrence_once(facility, hour: int) -> None:
    rule = daily_rule(facility, hour, unit=f.unit_of(facility))
    counts = rule_sync_sessions(rule=rule, horizon_days=6)
    assert starts(rule) == expected_starts(6, hour)
    assert counts["created"] == len(expected_starts(6, hour))
    for s in Session.objects.filter(rule=rule):
        assert (s.facility_id, s.unit_id, s.kind, s.capacity, s.held, s.status) == (
            facility.pk, rule.unit_id, rule.kind, 4, 0, SessionStatus.OPEN)
        # It ends on the wall clock: a visit from midnight on the autumn night ends at 2 a.m.,
        # three real hours later; on the spring night "2 a.m." is read as 3 a.m.
        wall_end = wall(s.starts_at) + dt.timedelta(minutes=rule.duration_minutes)
        assert s.ends_at == wall_end.replace(tzinfo=_CHICAGO).astimezone(UTC)

    again = rule_sync_sessions(rule=rule, horizon_days=6)
    assert again["created"] == 0
    assert again["unchanged"] == len(expected_starts(6, hour))
    assert Session.objects.filter(rule=rule).count() == len(expected_starts(6, hour))


def test_sync_keeps_9am_local_through_the_next_spring_change(facility) -> None:
    rule = f.make_rule(facility, rrule="FREQ=WEEKLY;BYDAY=SA;BYHOUR=9;BYMINUTE=0",
                       starts_on=today_local())
    rule_sync_sessions(rule=rule, horizon_days=400)
    sessions = list(Session.objects.filter(rule=rule).select_related("facility"))
    assert len(sessions) >= 52
    assert {wall(s.starts_at).time() for s in sessions} == {dt.time(9, 0)}
    assert {s.starts_at.astimezone(UTC).hour for s in sessions} == {14, 15}


def _two_future_sessions(rule) -> tuple[Session, Session]:
    soon = Session.objects.filter(rule=rule, starts_at__gt=timezone.now()).order_by("starts_at")
    return soon[1], soon[2]


def test_editing_a_rule_updates_unbooked_sessions_and_flags_booked_ones(facility) -> None:
    rule = daily_rule(facility, 10)
    rule_sync_sessions(rule=rule, horizon_days=6)
    booked, free = _two_future_sessions(rule)
    household = f.make_household()
    resident = f.make_resident(facility)
    f.make_booking(booked, resident, household)

    rule.duration_minutes, rule.capacity = 90, 6
    rule.save()
    counts = rule_sync_sessions(rule=rule, horizon_days=6)

    booked.refresh_from_db()
    free.refresh_from_db()
    assert (free.capacity, free.ends_at - free.starts_at, free.needs_review) == (
        6, dt.timedelta(minutes=90), False)
    # A family booked 10:00-12:00: the session keeps what they booked, and a liaison decides.
    assert (booked.capacity, booked.ends_at - booked.starts_at, booked.needs_review) == (
        4, dt.timedelta(minutes=120), True)
    assert counts["flagged"] == 1 and counts["updated"] >= 1


def test_lowering_capacity_below_the_places_held_flags_the_session(facility) -> None:
    rule = daily_rule(facility, 10, capacity=3)
    rule_sync_sessions(rule=rule, horizon_days=6)
    booked, free = _two_future_sessions(rule)
    for _ in range(2):
        f.make_booking(booked, f.make_resident(facility), f.make_household())
    rule.capacity = 1
    rule.save()
    rule_sync_sessions(rule=rule, horizon_days=6)
    booked.refresh_from_db()
    free.refresh_from_db()
    assert (booked.capacity, booked.held, booked.needs_review) == (3, 2, True)
    assert (free.capacity, free.needs_review) == (1, False)


def test_moving_a_rule_moves_free_sessions_and_keeps_booked_ones(facility) -> None:
    rule = daily_rule(facility, 10)
    rule_sync_sessions(rule=rule, horizon_days=6)
    booked, cancelled_only = _two_future_sessions(rule)
    f.make_booking(booked, f.make_resident(facility), f.make_household())
    f.make_booking(cancelled_only, f.make_resident(facility), f.make_household(),
                   status=BookingStatus.CANCELLED)

    rule.rrule = "FREQ=DAILY;BYHOUR=11;BYMINUTE=0"
    rule.save()
    rule_sync_sessions(rule=rule, horizon_days=6)

    open_starts = set(Session.objects.filter(rule=rule, status=SessionStatus.OPEN,
                                             starts_at__gt=timezone.now())
                      .exclude(pk=booked.pk).values_list("starts_at", flat=True))
    assert open_starts == expected_starts(6, 11)
    booked.refresh_from_db()
    assert (booked.status, booked.needs_review, wall(booked.starts_at).hour) == (
        SessionStatus.OPEN, True, 10)
    cancelled_only.refresh_from_db()  # kept for its history, but nobody can book it
    assert cancelled_only.status == SessionStatus.CLOSED


def test_closure_days_are_created_closed(facility) -> None:
    unit_a, unit_b = f.unit_of(facility, "Unit A"), f.unit_of(facility, "Unit B")
    whole = daily_rule(facility, 10)
    rule_a = daily_rule(facility, 14, unit=unit_a)
    rule_b = daily_rule(facility, 15, unit=unit_b)
    today = today_local()
    Closure.objects.create(facility=facility, starts_on=today + dt.timedelta(days=2),
                           ends_on=today + dt.timedelta(days=3), reason="Count day")
    unit_closure = Closure.objects.create(facility=facility, starts_on=today + dt.timedelta(days=5),
                                          ends_on=today + dt.timedelta(days=5), reason="Search",
                                          reason_code="incident")
    unit_closure.units.set([unit_b])

    for rule in (whole, rule_a, rule_b):
        rule_sync_sessions(rule=rule, horizon_days=6)

    def closed_days(rule) -> dict[int, str]:
        return {(local_date(s.starts_at, CHICAGO) - today).days: s.close_reason
                for s in Session.objects.filter(rule=rule, status=SessionStatus.CLOSED)}

    assert closed_days(whole) == {2: "Count day", 3: "Count day"}
    assert closed_days(rule_a) == {2: "Count day", 3: "Count day"}
    assert closed_days(rule_b) == {2: "Count day", 3: "Count day", 5: "Search"}
    # A session made later for closed days carries the closure's reason from the list too.
    assert Session.objects.get(rule=rule_b, status=SessionStatus.CLOSED, close_reason="Search"
                               ).close_reason_code == "incident"
    assert Session.objects.filter(rule=whole, status=SessionStatus.OPEN).exists()


def test_a_deactivated_rule_removes_free_sessions_and_flags_booked_ones(facility) -> None:
    rule = daily_rule(facility, 10)
    rule_sync_sessions(rule=rule, horizon_days=6)
    booked, _ = _two_future_sessions(rule)
    f.make_booking(booked, f.make_resident(facility), f.make_household())
    rule.active = False
    rule.save()
    rule_sync_sessions(rule=rule, horizon_days=6)
    remaining = list(Session.objects.filter(rule=rule, starts_at__gte=timezone.now()))
    assert [s.pk for s in remaining] == [booked.pk]
    assert remaining[0].needs_review
