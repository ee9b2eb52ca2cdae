"""Real threads against PostgreSQL: a round is drawn exactly once, however many workers
try at the same moment. SQLite has no row locks, so this runs on PostgreSQL only."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from notifications.models import Event
from tests import factories as f
from tests.visits.test_rounds_world import close_round, family_for, make_round
from visits import services
from visits.models import AllocationMode, Booking, Session
from visits.round_models import RequestRound, RoundStatus

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs this file on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

WORKERS = 6


def race(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(count)
    results: list[tuple[str, Any]] = [("error", None)] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", work(i))
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def a_round_with_requests(count: int) -> RequestRound:
    facility = f.make_facility()
    rule = f.make_rule(facility, capacity=2, allocation_mode=AllocationMode.ROUND)
    base = f.in_hours(24 * 10)
    sessions = [f.make_session(rule, starts_at=base + dt.timedelta(hours=3 * i))
                for i in range(2)]
    rnd = make_round(rule, sessions)
    for _ in range(count):
        resident = f.make_resident(facility)
        household = family_for(resident)
        services.request_submit(
            actor=household.caregiver, round_id=rnd.pk, resident_id=resident.pk,
            visitor_ids=[v.pk for v in household.visitors.all()],
            choices=[s.pk for s in sessions])
    return rnd


def test_workers_racing_to_draw_a_round_draw_it_once() -> None:
    rnd = a_round_with_requests(8)
    close_round(rnd)

    results = race(WORKERS, lambda _i: services.round_allocate(round_id=rnd.pk))

    drawn = [value for kind, value in results if kind == "ok" and value is not None]
    assert [kind for kind, _ in results] == ["ok"] * WORKERS  # the others just found it done
    assert len(drawn) == 1 and drawn[0].granted == 4
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.ALLOCATED and rnd.seed == drawn[0].seed
    assert Booking.objects.filter(status="requested").count() == 4
    assert sum(s.held for s in Session.objects.filter(request_rounds=rnd)) == 4


def test_jobs_racing_to_tell_a_drawn_round_tell_each_family_once() -> None:
    """The job asked for on commit, its retry and the sweep may all run at once."""
    rnd = a_round_with_requests(8)
    close_round(rnd)
    services.round_allocate(round_id=rnd.pk)

    results = race(WORKERS, lambda _i: services.round_tell_families(round_id=rnd.pk))

    assert sorted(value for _kind, value in results) == [0] * (WORKERS - 1) + [8]
    told = Event.objects.filter(type__startswith="visits.request.")
    assert told.count() == 8
    assert len(set(told.values_list("deliveries__user_id", flat=True))) == 8
