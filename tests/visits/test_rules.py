"""The pure visiting rules (visits/rules.py): every violation, all at once, across DST."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from tests import factories as f
from visits.facts import BookedAround, booked_around, draft_for
from visits.models import BookingStatus, Resident, Session, VisitKind
from visits.rules import (
    DraftBooking,
    SessionFacts,
    VisitorFacts,
    booking_window,
    check_booking,
)

UTC = dt.UTC
CHICAGO = "America/Chicago"
ALL_CODES = {
    "visitor_not_approved", "approval_expired", "guardian_consent_missing",
    "child_without_adult", "too_many_adults", "too_many_children", "too_many_visitors",
    "window_not_open", "window_closed", "weekly_quota", "monthly_quota", "resident_busy",
    "visitor_busy", "session_closed", "no_visitors",
}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(*args: int, tz: str = CHICAGO) -> dt.datetime:
    """A wall-clock time at the facility, as a UTC instant (fold=0 for a repeated hour)."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz)).astimezone(UTC)


# Saturday 5 December 2026, 09:00 in Chicago (CST, UTC-6).
VISIT = utc(2026, 12, 5, 15, 0)


def session(**fields: object) -> SessionFacts:
    values: dict[str, object] = {
        "id": 1, "starts_at": VISIT, "ends_at": VISIT + dt.timedelta(hours=2), "is_open": True,
        "tz_name": CHICAGO, "max_adults": 2, "max_children": 3, "max_visitors": 4,
        "opens_days_before": 14, "closes_hours_before": 24, "weekly_quota": 2,
        "monthly_quota": 6,
    }
    values.update(fields)
    return SessionFacts(**values)  # type: ignore[arg-type]


def adult(vid: int = 1, name: str = "Rosa", **fields: object) -> VisitorFacts:
    values: dict[str, object] = {
        "id": vid, "first_name": name, "date_of_birth": dt.date(1961, 4, 2),
        "approval_status": "approved",
    }
    values.update(fields)
    return VisitorFacts(**values)  # type: ignore[arg-type]


def child(vid: int = 2, name: str = "Sofia", **fields: object) -> VisitorFacts:
    values: dict[str, object] = {"date_of_birth": dt.date(2017, 6, 1), "guardian_consent": True}
    values.update(fields)
    return adult(vid, name, **values)


def draft(**fields: object) -> DraftBooking:
    s = fields.pop("session", None) or session()
    values: dict[str, object] = {
        "session": s, "visitors": [adult(), child()], "now": s.starts_at - dt.timedelta(days=3),
    }
    values.update(fields)
    return DraftBooking(**values)  # type: ignore[arg-type]


def codes(d: DraftBooking) -> list[str]:
    return [v.code for v in check_booking(d)]


# --- each rule on its own ---------------------------------------------------------------


def test_a_draft_that_keeps_every_rule_has_no_violations() -> None:
    assert check_booking(draft()) == []


@pytest.mark.parametrize("status", [None, "pending", "denied", "revoked"])
def test_visitor_without_an_approval_is_refused_by_name(status: str | None) -> None:
    violations = check_booking(draft(visitors=[adult(), adult(3, "Tomas", approval_status=status)]))
    assert [v.code for v in violations] == ["visitor_not_approved"]
    assert "Tomas" in violations[0].message
    assert violations[0].field == "visitor_ids"


def test_approval_that_expires_before_the_visit_day_is_refused() -> None:
    expired = adult(approval_expires_on=dt.date(2026, 12, 4))
    assert codes(draft(visitors=[expired])) == ["approval_expired"]


def test_approval_that_expires_on_the_visit_day_itself_still_counts() -> None:
    assert codes(draft(visitors=[adult(approval_expires_on=dt.date(2026, 12, 5))])) == []


def test_approval_expiry_is_read_on_the_facilitys_local_day() -> None:
    # 03:00 UTC on 5 Dec is still Friday 4 Dec in Chicago: an approval valid through the 4th
    # covers it, although the UTC date is already the 5th.
    late = session(starts_at=utc(2026, 12, 5, 3), ends_at=utc(2026, 12, 5, 4))
    visitor = adult(approval_expires_on=dt.date(2026, 12, 4))
    assert codes(draft(session=late, visitors=[visitor])) == []


def test_child_needs_a_guardians_consent_on_file() -> None:
    violations = check_booking(draft(visitors=[adult(), child(guardian_consent=False)]))
    assert [v.code for v in violations] == ["guardian_consent_missing"]
    assert "Sofia" in violations[0].message


def test_adult_needs_no_guardian_consent() -> None:
    assert codes(draft(visitors=[adult(guardian_consent=False)])) == []


def test_child_never_visits_without_an_adult() -> None:
    assert codes(draft(visitors=[child()])) == ["child_without_adult"]


def test_someone_turning_18_on_the_local_visit_day_is_an_adult() -> None:
    eighteen_today = child(date_of_birth=dt.date(2008, 12, 5), guardian_consent=False)
    assert codes(draft(visitors=[eighteen_today])) == []


def test_age_is_taken_on_the_local_day_not_the_utc_day() -> None:
    # Friday 4 Dec 21:00 in Chicago is already 5 Dec in UTC; she turns 18 on the 5th,
    # so at the visit she is still a child and needs an adult.
    evening = session(starts_at=utc(2026, 12, 5, 3), ends_at=utc(2026, 12, 5, 4))
    almost = child(date_of_birth=dt.date(2008, 12, 5), guardian_consent=True)
    assert codes(draft(session=evening, visitors=[almost])) == ["child_without_adult"]


def test_too_many_adults() -> None:
    three = [adult(1), adult(2, "Ana"), adult(3, "Luis")]
    assert codes(draft(visitors=three)) == ["too_many_adults"]


def test_too_many_children() -> None:
    party = [adult(), *(child(10 + i, f"Kid{i}") for i in range(4))]
    assert codes(draft(session=session(max_visitors=6), visitors=party)) == ["too_many_children"]


def test_too_many_visitors() -> None:
    party = [adult(1), adult(2, "Ana"), child(3), child(4, "Mateo"), child(5, "Lucia")]
    assert codes(draft(visitors=party)) == ["too_many_visitors"]


def test_party_at_every_limit_is_fine() -> None:
    party = [adult(1), adult(2, "Ana"), child(3), child(4, "Mateo")]
    assert codes(draft(visitors=party)) == []


def test_no_visitors() -> None:
    assert codes(draft(visitors=[])) == ["no_visitors"]


def test_closed_session() -> None:
    assert codes(draft(session=session(is_open=False))) == ["session_closed"]


def test_window_not_open_yet_names_the_local_opening_time() -> None:
    opens = local(2026, 11, 21, 0, 0)  # 14 days before, local midnight (CST)
    violations = check_booking(draft(now=opens - dt.timedelta(microseconds=1)))
    assert [v.code for v in violations] == ["window_not_open"]
    assert "2026-11-21 00:00" in violations[0].message


def test_window_closed() -> None:
    assert codes(draft(now=VISIT - dt.timedelta(hours=24))) == ["window_closed"]
    assert codes(draft(now=VISIT - dt.timedelta(hours=24, microseconds=1))) == []


@pytest.mark.parametrize("count, expected", [(1, []), (2, ["weekly_quota"]), (5, ["weekly_quota"])])
def test_weekly_quota(count: int, expected: list[str]) -> None:
    assert codes(draft(resident_week_count=count)) == expected


@pytest.mark.parametrize("count, expected", [(5, []), (6, ["monthly_quota"])])
def test_monthly_quota(count: int, expected: list[str]) -> None:
    assert codes(draft(resident_month_count=count)) == expected


def test_resident_already_busy_at_that_time() -> None:
    assert codes(draft(resident_has_overlap=True)) == ["resident_busy"]


def test_each_busy_visitor_is_named() -> None:
    violations = check_booking(draft(visitors_with_overlap=["Rosa", "Sofia"]))
    assert [v.code for v in violations] == ["visitor_busy", "visitor_busy"]
    assert ["Rosa" in violations[0].message, "Sofia" in violations[1].message] == [True, True]


def test_every_violation_comes_back_at_once() -> None:
    d = draft(
        session=session(is_open=False, max_adults=1, max_visitors=2, max_children=0),
        now=VISIT - dt.timedelta(hours=1),
        visitors=[
            adult(1, approval_status="pending"),
            adult(2, "Ana", approval_expires_on=dt.date(2026, 1, 1)),
            child(3, guardian_consent=False),
        ],
        resident_week_count=9, resident_month_count=9, resident_has_overlap=True,
        visitors_with_overlap=["Ana"],
    )
    assert sorted(codes(d)) == sorted([
        "session_closed", "window_closed", "visitor_not_approved", "approval_expired",
        "guardian_consent_missing", "too_many_adults", "too_many_children",
        "too_many_visitors", "weekly_quota", "monthly_quota", "resident_busy", "visitor_busy",
    ])
    only_children = draft(visitors=[child(3)], now=VISIT - dt.timedelta(days=30))
    assert sorted(codes(only_children)) == ["child_without_adult", "window_not_open"]


# --- the booking window across daylight-saving changes (America/Chicago) ----------------

# The four changes of 2026 and 2027: (Sunday of the change, UTC offset at 09:00 that day).
DST_SUNDAYS = [
    pytest.param(dt.date(2026, 3, 8), 14, id="spring-2026"),
    pytest.param(dt.date(2026, 11, 1), 15, id="autumn-2026"),
    pytest.param(dt.date(2027, 3, 14), 14, id="spring-2027"),
    pytest.param(dt.date(2027, 11, 7), 15, id="autumn-2027"),
]


def sunday_9am(day: dt.date, utc_hour: int) -> SessionFacts:
    starts = utc(day.year, day.month, day.day, utc_hour)
    assert starts == local(day.year, day.month, day.day, 9, 0)  # the zone agrees
    return session(starts_at=starts, ends_at=starts + dt.timedelta(hours=2))


# (session day, N days before, expected UTC opening). Midnight before a spring change is
# still standard time (UTC-6); midnight before an autumn change is still daylight (UTC-5).
WINDOW_OPENS = [
    pytest.param(dt.date(2026, 3, 8), 14, 0, utc(2026, 3, 8, 6), id="spring-2026-same-day"),
    pytest.param(dt.date(2026, 3, 8), 14, 7, utc(2026, 3, 1, 6), id="spring-2026-week"),
    pytest.param(dt.date(2026, 3, 9), 14, 1, utc(2026, 3, 8, 6), id="spring-2026-monday"),
    pytest.param(dt.date(2026, 3, 22), 14, 14, utc(2026, 3, 8, 6), id="spring-2026-fortnight"),
    pytest.param(dt.date(2026, 11, 1), 15, 0, utc(2026, 11, 1, 5), id="autumn-2026-same-day"),
    pytest.param(dt.date(2026, 11, 1), 15, 7, utc(2026, 10, 25, 5), id="autumn-2026-week"),
    pytest.param(dt.date(2026, 11, 2), 15, 1, utc(2026, 11, 1, 5), id="autumn-2026-monday"),
    pytest.param(dt.date(2026, 11, 15), 15, 14, utc(2026, 11, 1, 5), id="autumn-2026-fortnight"),
    pytest.param(dt.date(2027, 3, 14), 14, 0, utc(2027, 3, 14, 6), id="spring-2027-same-day"),
    pytest.param(dt.date(2027, 3, 14), 14, 7, utc(2027, 3, 7, 6), id="spring-2027-week"),
    pytest.param(dt.date(2027, 3, 15), 14, 1, utc(2027, 3, 14, 6), id="spring-2027-monday"),
    pytest.param(dt.date(2027, 11, 7), 15, 0, utc(2027, 11, 7, 5), id="autumn-2027-same-day"),
    pytest.param(dt.date(2027, 11, 7), 15, 7, utc(2027, 10, 31, 5), id="autumn-2027-week"),
    pytest.param(dt.date(2027, 11, 8), 15, 1, utc(2027, 11, 7, 5), id="autumn-2027-monday"),
]


@pytest.mark.parametrize("day, utc_hour, days_before, opens", WINDOW_OPENS)
def test_window_opens_at_local_midnight_n_days_before_across_dst(
    day: dt.date, utc_hour: int, days_before: int, opens: dt.datetime
) -> None:
    s = dataclasses.replace(sunday_9am(day, utc_hour), opens_days_before=days_before,
                            closes_hours_before=0)
    assert booking_window(s)[0] == opens
    assert opens.astimezone(zoneinfo.ZoneInfo(CHICAGO)).time() == dt.time(0, 0)
    just_before = check_booking(draft(session=s, now=opens - dt.timedelta(microseconds=1)))
    assert [v.code for v in just_before] == ["window_not_open"]
    assert f"{day - dt.timedelta(days=days_before):%Y-%m-%d} 00:00" in just_before[0].message
    assert codes(draft(session=s, now=opens)) == []


@pytest.mark.parametrize("day, utc_hour", DST_SUNDAYS)
def test_window_closes_m_elapsed_hours_before_a_session_on_a_dst_sunday(
    day: dt.date, utc_hour: int
) -> None:
    s = sunday_9am(day, utc_hour)  # closes_hours_before=24
    closes = s.starts_at - dt.timedelta(hours=24)
    assert booking_window(s)[1] == closes
    # 24 real hours before 09:00 on a 23- or 25-hour Sunday is 08:00 or 10:00 on Saturday.
    saturday = closes.astimezone(zoneinfo.ZoneInfo(CHICAGO))
    assert saturday.date() == day - dt.timedelta(days=1)
    assert saturday.hour == (8 if day.month == 3 else 10)
    assert codes(draft(session=s, now=closes - dt.timedelta(microseconds=1))) == []
    assert codes(draft(session=s, now=closes)) == ["window_closed"]


# --- quota weeks and months across DST, from rows (visits/facts.py) ---------------------

# (target session: Sunday 09:00 of a change; another booking's local time; in that week?)
QUOTA_WEEK = [
    pytest.param((2026, 3, 8), (2026, 3, 1, 23, 30), False, id="spring-2026-sunday-before"),
    pytest.param((2026, 3, 8), (2026, 3, 2, 0, 30), True, id="spring-2026-monday-start"),
    pytest.param((2026, 3, 8), (2026, 3, 8, 23, 30), True, id="spring-2026-sunday-end"),
    pytest.param((2026, 3, 8), (2026, 3, 9, 0, 30), False, id="spring-2026-next-monday"),
    pytest.param((2026, 11, 1), (2026, 10, 25, 23, 30), False, id="autumn-2026-sunday-before"),
    pytest.param((2026, 11, 1), (2026, 10, 26, 0, 30), True, id="autumn-2026-monday-start"),
    pytest.param((2026, 11, 1), (2026, 11, 1, 23, 30), True, id="autumn-2026-sunday-end"),
    pytest.param((2026, 11, 1), (2026, 11, 2, 0, 30), False, id="autumn-2026-next-monday"),
    pytest.param((2027, 3, 14), (2027, 3, 7, 23, 30), False, id="spring-2027-sunday-before"),
    pytest.param((2027, 3, 14), (2027, 3, 8, 0, 30), True, id="spring-2027-monday-start"),
    pytest.param((2027, 3, 14), (2027, 3, 14, 23, 30), True, id="spring-2027-sunday-end"),
    pytest.param((2027, 3, 14), (2027, 3, 15, 0, 30), False, id="spring-2027-next-monday"),
    pytest.param((2027, 11, 7), (2027, 10, 31, 23, 30), False, id="autumn-2027-sunday-before"),
    pytest.param((2027, 11, 7), (2027, 11, 1, 0, 30), True, id="autumn-2027-monday-start"),
    pytest.param((2027, 11, 7), (2027, 11, 7, 23, 30), True, id="autumn-2027-sunday-end"),
    pytest.param((2027, 11, 7), (2027, 11, 8, 0, 30), False, id="autumn-2027-next-monday"),
]


def around(session: Session, resident: Resident) -> BookedAround:
    return booked_around(session=session, resident_id=resident.pk, visitors=[],
                         exclude_booking_id=None)


def quota_counts(session: Session, resident: Resident) -> tuple[int, int]:
    found = around(session, resident)
    return found.week_count, found.month_count


def _quota_world(rule_fields: dict[str, object] | None = None):
    facility = f.make_facility(time_zone=CHICAGO)
    rule = f.make_rule(facility, **(rule_fields or {}))
    resident = f.make_resident(facility)
    household = f.make_household()
    f.approve(household.visitors.all(), resident)
    return rule, resident, household


@pytest.mark.django_db
@pytest.mark.parametrize("target_day, other_local, in_week", QUOTA_WEEK)
def test_quota_week_runs_monday_to_sunday_on_the_local_clock_across_dst(
    target_day: tuple[int, int, int], other_local: tuple[int, ...], in_week: bool
) -> None:
    rule, resident, household = _quota_world({"weekly_quota": 1, "monthly_quota": 99})
    target = f.make_session(rule, starts_at=local(*target_day, 9, 0))
    other = f.make_session(rule, starts_at=local(*other_local), minutes=20)
    f.make_booking(other, resident, household)

    week = around(target, resident).week_count
    assert week == (1 if in_week else 0)
    d = draft_for(session=target, resident_id=resident.pk, visitors=f.adults(household),
                  now=target.starts_at - dt.timedelta(days=2))
    assert ("weekly_quota" in codes(d)) is in_week


@pytest.mark.django_db
@pytest.mark.parametrize("other_local, in_month", [
    pytest.param((2026, 10, 31, 23, 30), False, id="october-last-half-hour"),
    pytest.param((2026, 11, 1, 0, 30), True, id="november-first-half-hour"),
    pytest.param((2026, 11, 30, 23, 30), True, id="november-last-half-hour"),
    pytest.param((2026, 12, 1, 0, 30), False, id="december-first-half-hour"),
])
def test_quota_month_follows_the_local_calendar_month(
    other_local: tuple[int, ...], in_month: bool
) -> None:
    rule, resident, household = _quota_world()
    target = f.make_session(rule, starts_at=local(2026, 11, 1, 9, 0))
    other = f.make_session(rule, starts_at=local(*other_local), minutes=20)
    f.make_booking(other, resident, household)
    month = around(target, resident).month_count
    assert month == (1 if in_month else 0)


@pytest.mark.django_db
def test_quota_counts_only_active_bookings_of_the_same_kind() -> None:
    rule, resident, household = _quota_world()
    video = f.make_rule(rule.facility, kind=VisitKind.VIDEO, rrule="FREQ=DAILY;BYHOUR=18")
    target = f.make_session(rule, starts_at=local(2026, 12, 5, 9, 0))
    for hour, status in [(10, BookingStatus.CANCELLED), (11, BookingStatus.WAITLISTED),
                         (12, BookingStatus.DECLINED), (13, BookingStatus.OFFERED)]:
        s = f.make_session(rule, starts_at=local(2026, 12, 3, hour, 0), minutes=30)
        f.make_booking(s, resident, household, status=status)
    f.make_booking(f.make_session(video, starts_at=local(2026, 12, 4, 18, 0)), resident, household)
    assert quota_counts(target, resident) == (0, 0)
    for hour, status in [(9, BookingStatus.REQUESTED), (10, BookingStatus.CONFIRMED)]:
        s = f.make_session(rule, starts_at=local(2026, 12, 2, hour, 0), minutes=30)
        f.make_booking(s, resident, household, status=status)
    assert quota_counts(target, resident) == (2, 2)



@pytest.mark.django_db
def test_a_booking_with_several_visitors_counts_once_towards_the_quota() -> None:
    """The quota and the overlaps come from one query with a row per booked visitor."""
    rule, resident, _ = _quota_world()
    household = f.make_household(children=[("Sofia", 9), ("Mateo", 6)])
    f.approve(household.visitors.all(), resident)
    target = f.make_session(rule, starts_at=local(2026, 12, 5, 9, 0))
    for day in (1, 2):  # the same week and month, another day
        other = f.make_session(rule, starts_at=local(2026, 12, day, 9, 0))
        f.make_booking(other, resident, household, visitors=household.visitors.all())
    found = around(target, resident)
    assert (found.week_count, found.month_count) == (2, 2)
    assert not found.resident_busy and found.visitors_busy == []


@pytest.mark.django_db
def test_a_visitor_booked_elsewhere_at_that_time_is_found_without_touching_the_quota() -> None:
    rule, resident, _ = _quota_world()
    household = f.make_household(children=[("Sofia", 9), ("Mateo", 6)])
    rosa, sofia, mateo = household.visitors.order_by("id")
    target = f.make_session(rule, starts_at=local(2026, 12, 5, 9, 0))
    elsewhere = f.make_session(rule, starts_at=local(2026, 12, 5, 10, 0))  # overlaps 10-11
    f.make_booking(elsewhere, f.make_resident(rule.facility, first_name="Luis"), household,
                   visitors=[sofia, mateo])
    found = booked_around(session=target, resident_id=resident.pk,
                          visitors=[rosa, sofia], exclude_booking_id=None)
    assert found == BookedAround(week_count=0, month_count=0, resident_busy=False,
                                 visitors_busy=["Sofia"])  # Mateo was not chosen


@pytest.mark.django_db
def test_the_resident_busy_in_a_visit_of_another_kind_is_found_but_not_counted() -> None:
    rule, resident, household = _quota_world()
    video = f.make_rule(rule.facility, kind=VisitKind.VIDEO, rrule="FREQ=DAILY;BYHOUR=18")
    target = f.make_session(rule, starts_at=local(2026, 12, 5, 9, 0))
    call = f.make_session(video, starts_at=local(2026, 12, 5, 10, 30), minutes=20)
    f.make_booking(call, resident, household)
    found = around(target, resident)
    assert (found.week_count, found.month_count, found.resident_busy) == (0, 0, True)


@pytest.mark.django_db
def test_the_booking_being_changed_is_left_out_of_the_counts_and_overlaps() -> None:
    rule, resident, household = _quota_world()
    target = f.make_session(rule, starts_at=local(2026, 12, 5, 9, 0))
    booking = f.make_booking(target, resident, household)
    [rosa] = f.adults(household)
    found = booked_around(session=target, resident_id=resident.pk, visitors=[rosa],
                          exclude_booking_id=None)
    assert found == BookedAround(week_count=1, month_count=1, resident_busy=True,
                                 visitors_busy=["Rosa"])
    left_out = booked_around(session=target, resident_id=resident.pk, visitors=[rosa],
                             exclude_booking_id=booking.pk)
    assert left_out == BookedAround(week_count=0, month_count=0, resident_busy=False,
                                    visitors_busy=[])

# --- properties -------------------------------------------------------------------------

ZONES = ["America/Chicago", "America/Los_Angeles", "America/New_York", "Europe/London",
         "Australia/Lord_Howe", "America/Havana", "America/Santiago", "Asia/Kolkata", "UTC"]
STATUSES = [None, "approved", "pending", "denied", "revoked"]

instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2029, 12, 31),
    timezones=st.just(UTC),
)
visitor_facts = st.builds(
    VisitorFacts,
    id=st.integers(1, 10_000),
    first_name=st.sampled_from(["Rosa", "Sofia", "Mateo", "Ana", "Lucia"]),
    date_of_birth=st.dates(dt.date(1925, 1, 1), dt.date(2029, 12, 31)),
    approval_status=st.sampled_from(STATUSES),
    approval_expires_on=st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2030, 1, 1)),
    guardian_consent=st.booleans(),
)


@st.composite
def drafts(draw: st.DrawFn) -> DraftBooking:
    starts = draw(instants)
    s = SessionFacts(
        id=1, starts_at=starts, ends_at=starts + dt.timedelta(minutes=draw(st.integers(5, 300))),
        is_open=draw(st.booleans()), tz_name=draw(st.sampled_from(ZONES)),
        max_adults=draw(st.integers(0, 5)), max_children=draw(st.integers(0, 5)),
        max_visitors=draw(st.integers(0, 8)), opens_days_before=draw(st.integers(0, 60)),
        closes_hours_before=draw(st.integers(0, 72)), weekly_quota=draw(st.integers(0, 4)),
        monthly_quota=draw(st.integers(0, 10)),
    )
    return DraftBooking(
        session=s,
        visitors=draw(st.lists(visitor_facts, max_size=7, unique_by=lambda v: v.id)),
        now=starts + dt.timedelta(minutes=draw(st.integers(-90 * 24 * 60, 24 * 60))),
        resident_week_count=draw(st.integers(0, 6)),
        resident_month_count=draw(st.integers(0, 12)),
        resident_has_overlap=draw(st.booleans()),
        visitors_with_overlap=draw(st.lists(st.sampled_from(["Rosa", "Sofia"]), unique=True)),
    )


PROPERTY = hyp_settings(max_examples=300, deadline=None, database=None)


@PROPERTY
@given(drafts())
def test_check_booking_never_raises_and_speaks_only_known_codes(d: DraftBooking) -> None:
    violations = check_booking(d)
    assert {v.code for v in violations} <= ALL_CODES
    assert all(v.message for v in violations)


@PROPERTY
@given(drafts(), st.randoms(use_true_random=False))
def test_violations_do_not_depend_on_visitor_order(d: DraftBooking, rnd) -> None:
    shuffled = list(d.visitors)
    rnd.shuffle(shuffled)
    again = dataclasses.replace(d, visitors=shuffled)
    key = lambda v: (v.code, v.message, v.field)  # noqa: E731
    assert sorted(map(key, check_booking(d))) == sorted(map(key, check_booking(again)))


@PROPERTY
@given(drafts())
def test_a_draft_without_violations_really_keeps_every_rule(d: DraftBooking) -> None:
    if check_booking(d):
        return
    s = d.session
    opens, closes = booking_window(s)
    assert s.is_open and opens <= d.now < closes
    assert d.visitors and all(v.approval_status == "approved" for v in d.visitors)
    assert len(d.visitors) <= s.max_visitors
    assert d.resident_week_count < s.weekly_quota and d.resident_month_count < s.monthly_quota
    assert not d.resident_has_overlap and not d.visitors_with_overlap


@PROPERTY
@given(instants, st.sampled_from(ZONES), st.integers(0, 60))
def test_window_opens_at_the_first_instant_of_the_local_day(
    starts: dt.datetime, tz_name: str, days_before: int
) -> None:
    tz = zoneinfo.ZoneInfo(tz_name)
    s = session(starts_at=starts, ends_at=starts + dt.timedelta(hours=1), tz_name=tz_name,
                opens_days_before=days_before)
    opens, _ = booking_window(s)
    day = starts.astimezone(tz).date() - dt.timedelta(days=days_before)
    assert opens.astimezone(tz).date() == day
    assert (opens - dt.timedelta(microseconds=1)).astimezone(tz).date() < day
