"""Real threads against PostgreSQL: no overbooking, no double booking, no quota overrun.

Each thread has its own database connection (Django keeps one per thread) and closes it at
the end. A barrier lets every thread through at the same moment, so they really meet at
the row locks. SQLite takes a database-wide write lock instead of row locks, so these run
on PostgreSQL only (CI runs this file there).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Delivery
from scheduler.errors import InvalidInput, RuleViolation
from tests import factories as f
from visits import services
from visits.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Facility,
    Resident,
    Session,
    SessionStatus,
)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs this file on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 50


@pytest.fixture
def pool_for_threads() -> Iterator[None]:
    """A connection pool big enough for every thread to hold a connection at the barrier.

    settings.py sizes the pool for a web process (DB_POOL_MAX, 20 by default); here 50
    threads each take one before the race starts, so the pool is rebuilt larger for this
    test and put back afterwards.
    """
    options = connection.settings_dict["OPTIONS"]
    previous = options.get("pool")
    connection.close()
    connection.close_pool()
    options["pool"] = {**(previous if isinstance(previous, dict) else {}),
                       "min_size": 1, "max_size": THREADS + 10, "timeout": 60}
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()
        options["pool"] = previous


def race(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run `work(i)` in `count` threads released together; each result is
    ("ok", value) or ("error", exception)."""
    barrier = threading.Barrier(count)
    results: list[tuple[str, Any]] = [("not run", None)] * count

    def runner(i: int) -> None:
        try:
            connection.ensure_connection()  # connect before the start line, not in the race
            barrier.wait(timeout=60)
            results[i] = ("ok", work(i))
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def error_codes(results: list[tuple[str, Any]]) -> Counter:
    return Counter(getattr(value, "code", type(value).__name__)
                   for kind, value in results if kind == "error")


def holding(session: Session) -> int:
    return Booking.objects.filter(session=session, status__in=HOLDING_STATUSES).count()


def test_fifty_families_race_for_the_last_three_places(pool_for_threads: None) -> None:
    # One live booking per resident per session is a rule (and a constraint), so each of
    # the 50 families visits its own relative: only the session's places are contended.
    facility = f.make_facility()
    rule = f.make_rule(facility, capacity=5)
    session = f.make_session(rule)
    f.fill(session, facility, 2)  # two places already taken: three left
    families = []
    for i in range(THREADS):
        household = f.make_household(f"racer{i}")
        resident = f.make_resident(facility, first_name=f"Resident{i}")
        f.approve(f.adults(household), resident)
        families.append((household.caregiver, resident.pk, f.adults(household)[0].pk))

    def book(i: int) -> int:
        user, resident_id, visitor_id = families[i]
        return services.booking_create(actor=user, session_id=session.pk,
                                       resident_id=resident_id, visitor_ids=[visitor_id]).booking.pk

    results = race(THREADS, book)

    winners = [value for kind, value in results if kind == "ok"]
    assert len(winners) == 3, error_codes(results)
    assert error_codes(results) == Counter({"session_full": THREADS - 3})
    assert all(isinstance(v, services.SessionFull) for k, v in results if k == "error")
    session.refresh_from_db()
    assert session.held == 5 == holding(session)
    assert Booking.objects.filter(session=session).count() == 5
    assert set(Booking.objects.filter(pk__in=winners).values_list("status", flat=True)) == {
        BookingStatus.REQUESTED}


def test_a_rush_that_asks_for_the_waiting_list_fills_the_places_then_queues(
    pool_for_threads: None
) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=3))
    families = []
    for i in range(30):
        household = f.make_household(f"queue{i}")
        resident = f.make_resident(facility, first_name=f"Resident{i}")
        f.approve(f.adults(household), resident)
        families.append((household.caregiver, resident.pk, f.adults(household)[0].pk))

    def book(i: int) -> str:
        user, resident_id, visitor_id = families[i]
        return services.booking_create(
            actor=user, session_id=session.pk, resident_id=resident_id,
            visitor_ids=[visitor_id], waitlist_if_full=True).booking.status

    results = race(30, book)

    assert error_codes(results) == Counter()
    assert Counter(value for _, value in results) == Counter(
        {BookingStatus.REQUESTED: 3, BookingStatus.WAITLISTED: 27})
    session.refresh_from_db()
    assert session.held == 3 == holding(session)


def test_twenty_retries_with_one_idempotency_key_make_one_booking(
    pool_for_threads: None
) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=10))
    household = f.make_household("impatient", children=[("Sofia", 9)])
    resident = f.make_resident(facility)
    f.approve(household.visitors.all(), resident)
    visitor_ids = list(household.visitors.values_list("pk", flat=True))

    def retry(_: int) -> tuple[int, bool]:
        result = services.booking_create(
            actor=household.caregiver, session_id=session.pk, resident_id=resident.pk,
            visitor_ids=visitor_ids, idempotency_key="tap-tap-tap")
        return result.booking.pk, result.created

    results = race(20, retry)

    assert error_codes(results) == Counter()
    ids = {value[0] for _, value in results}
    assert ids == set(Booking.objects.values_list("pk", flat=True))
    assert len(ids) == 1
    assert sum(created for _, (_, created) in results) == 1
    session.refresh_from_db()
    assert session.held == 1 == holding(session)


@pytest.mark.parametrize("round_", range(5))
def test_two_caregivers_cannot_overrun_a_residents_weekly_quota(
    pool_for_threads: None, round_: int
) -> None:
    """A mother and a grandmother book the same man, in two sessions of one day, at once."""
    facility = f.make_facility()
    rule = f.make_rule(facility, weekly_quota=1, monthly_quota=10, capacity=5)
    day = timezone.now().astimezone(facility.tz).date() + dt.timedelta(days=3)
    first, second = (
        f.make_session(rule, starts_at=dt.datetime.combine(day, dt.time(hour), facility.tz))
        for hour in (10, 14)
    )
    resident = f.make_resident(facility)
    families = []
    for name in ("mother", "grandmother"):
        household = f.make_household(f"{name}{round_}")
        f.approve(f.adults(household), resident)
        families.append(household)

    def book(i: int) -> int:
        household, session = families[i], (first, second)[i]
        return services.booking_create(
            actor=household.caregiver, session_id=session.pk, resident_id=resident.pk,
            visitor_ids=[f.adults(household)[0].pk]).booking.pk

    results = race(2, book)

    assert [kind for kind, _ in results].count("ok") == 1, results
    [(_, refused)] = [r for r in results if r[0] == "error"]
    assert isinstance(refused, RuleViolation), refused
    assert [v["code"] for v in refused.extra["violations"]] == ["weekly_quota"]
    assert Booking.objects.filter(resident=resident).count() == 1
    assert sum(holding(s) for s in (first, second)) == 1


# A booking reads the session without its lock and takes the place last. These land another
# transaction's commit between that read and the claim (a thread: its own connection).


def _meanwhile(monkeypatch: pytest.MonkeyPatch, change: Callable[[Session], None]) -> None:
    """`change` runs in another thread and commits; it must not touch the booking's copy."""
    from visits.services import booking as booking_module

    real = booking_module._read_session_refusing_if_full

    def read_then_change(*args: Any, **kwargs: Any) -> Session:
        session = real(*args, **kwargs)  # the unlocked read; the retry under the lock sees it
        results = race(1, lambda _: change(session))
        assert error_codes(results) == Counter(), results
        return session

    monkeypatch.setattr(booking_module, "_read_session_refusing_if_full", read_then_change)


def _family(facility: Facility) -> tuple[Any, Resident, list[int]]:
    household = f.make_household()
    resident = f.make_resident(facility)
    f.approve(f.adults(household), resident)
    return household.caregiver, resident, [v.pk for v in f.adults(household)]


def _book(session: Session, family: tuple[Any, Resident, list[int]], **kwargs: Any) -> Any:
    user, resident, visitor_ids = family
    return services.booking_create(actor=user, session_id=session.pk, resident_id=resident.pk,
                                   visitor_ids=visitor_ids, **kwargs).booking


def test_the_last_place_taken_meanwhile_means_full_and_nothing_written(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=2))
    f.fill(session, facility, 1)
    liaison = f.make_liaison(facility)
    family = _family(facility)
    _meanwhile(monkeypatch, lambda _: f.fill(Session.objects.get(pk=session.pk), facility, 1))

    with pytest.raises(services.SessionFull):
        _book(session, family)

    assert not Booking.objects.filter(resident=family[1]).exists()
    assert not Delivery.objects.filter(user=liaison).exists()  # no request for a place never had
    session.refresh_from_db()
    assert session.held == 2 == holding(session)


def test_a_place_taken_meanwhile_still_leaves_one_and_the_answer_counts_both(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim that finds the count moved since the read takes the place anyway while
    one is left, and tells the family (and the open session lists) the count it leaves."""
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=3))
    family = _family(facility)
    _meanwhile(monkeypatch, lambda _: f.fill(Session.objects.get(pk=session.pk), facility, 1))

    booking = _book(session, family)

    assert booking.status == BookingStatus.REQUESTED
    assert booking.session.held == 2  # what the answer's "places left" is built from
    session.refresh_from_db()
    assert session.held == 2 == holding(session)


def test_the_last_place_taken_meanwhile_puts_a_waiting_family_in_the_queue(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=1))
    family = _family(facility)
    _meanwhile(monkeypatch, lambda _: f.fill(Session.objects.get(pk=session.pk), facility, 1))

    booking = _book(session, family, waitlist_if_full=True)

    assert booking.status == BookingStatus.WAITLISTED
    assert Booking.objects.filter(resident=family[1]).count() == 1
    session.refresh_from_db()
    assert session.held == 1 == holding(session)


def test_a_session_closed_meanwhile_is_refused_as_closed(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=3))
    family = _family(facility)
    _meanwhile(monkeypatch, lambda s: Session.objects.filter(pk=s.pk).update(
        status=SessionStatus.CLOSED))

    with pytest.raises(RuleViolation) as refused:
        _book(session, family)

    assert [v["code"] for v in refused.value.extra["violations"]] == ["session_closed"]
    assert not Booking.objects.filter(resident=family[1]).exists()
    session.refresh_from_db()
    assert session.held == 0


def test_a_family_held_up_by_a_lock_hears_busy_within_the_timeout_and_nothing_is_written(
    pool_for_threads: None
) -> None:
    """Another transaction holds the household's row (the same family booking on another
    phone, stuck): the booking gives up after the connection's lock timeout with "busy,
    try again" (503) instead of hanging, and writes nothing."""
    from django.conf import settings
    from django.db import transaction

    from scheduler.errors import Busy
    from visits.models import Household

    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=10))
    household = f.make_household("stuck", children=[("Sofia", 9)])
    resident = f.make_resident(facility)
    f.approve(household.visitors.all(), resident)
    holding_lock, release = threading.Event(), threading.Event()

    def hold_the_household() -> None:
        try:
            with transaction.atomic():
                Household.objects.select_for_update().get(pk=household.pk)
                holding_lock.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_household)
    holder.start()
    try:
        assert holding_lock.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] in {f"{settings.BOOKING_LOCK_TIMEOUT_MS}ms",
                                            f"{settings.BOOKING_LOCK_TIMEOUT_MS // 1000}s"}
        began = time.monotonic()
        with pytest.raises(Busy):
            services.booking_create(
                actor=household.caregiver, session_id=session.pk, resident_id=resident.pk,
                visitor_ids=list(household.visitors.values_list("pk", flat=True)))
        waited = time.monotonic() - began
    finally:
        release.set()
        holder.join(timeout=30)
    assert settings.BOOKING_LOCK_TIMEOUT_MS / 1000 - 0.5 < waited < 30
    assert not Booking.objects.exists()
    session.refresh_from_db()
    assert session.held == 0


def test_a_visitor_removed_while_the_booking_waits_is_refused_as_not_hers(
    pool_for_threads: None
) -> None:
    """She removes Sofia on one phone while booking her on another. The booking reads the
    visitors in the query that locks the household; had that query waited for the lock, it
    would return Sofia as she was before the wait (READ COMMITTED) and the booking would
    fail at COMMIT on the foreign key. It skips a held row and takes the long way instead:
    it waits for the lock, then reads the household as the removal left it."""
    from django.db import transaction

    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=10))
    household = f.make_household("two-phones", children=[("Sofia", 9)])
    resident = f.make_resident(facility)
    f.approve(household.visitors.all(), resident)
    rosa, sofia = household.visitors.order_by("id")
    removed, release = threading.Event(), threading.Event()

    def remove_sofia_and_hold() -> None:
        try:
            with transaction.atomic():
                services.visitor_remove(actor=household.caregiver, visitor_id=sofia.pk)
                removed.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=remove_sofia_and_hold)
    holder.start()
    try:
        assert removed.wait(timeout=30)
        threading.Timer(0.5, release.set).start()  # commits while the booking waits
        with pytest.raises(InvalidInput) as refused:
            services.booking_create(actor=household.caregiver, session_id=session.pk,
                                    resident_id=resident.pk, visitor_ids=[rosa.pk, sofia.pk])
    finally:
        release.set()
        holder.join(timeout=30)
    assert "visitor_ids" in refused.value.fields
    assert not Booking.objects.exists()
    assert list(household.visitors.all()) == [rosa]
