"""Fixtures for the request-round tests (no tests here): a rule shared out by a lottery,
three sessions next week and an open round over them, on top of the shared `world`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.test import TestCase, override_settings
from django.utils import timezone

from tests import factories as f
from tests.conftest import World
from visits import services
from visits.models import AllocationMode, Household, Resident, Session, VisitingRule
from visits.round_models import RequestRound

IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class RoundWorld:
    world: World
    rule: VisitingRule
    sessions: list[Session]  # Sat 09:00, Sat 13:00, Sun 09:00 (local), 10-11 days ahead
    round: RequestRound

    @property
    def ids(self) -> list[int]:
        return [s.pk for s in self.sessions]


def make_round(rule: VisitingRule, sessions: list[Session]) -> RequestRound:
    """An open round over `sessions`: opened yesterday, closing in two days."""
    start = sessions[0].starts_at.astimezone(rule.facility.tz).date()
    rnd = RequestRound.objects.create(
        facility=rule.facility, rule=rule, week_start=start - dt.timedelta(days=start.weekday()),
        opens_at=timezone.now() - dt.timedelta(days=1),
        deadline=timezone.now() + dt.timedelta(days=2),
    )
    rnd.sessions.set(sessions)
    return rnd


def close_round(rnd: RequestRound) -> None:
    """The deadline passes (moved into the past on the row, as time would)."""
    RequestRound.objects.filter(pk=rnd.pk).update(
        deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    rnd.refresh_from_db()


@contextmanager
def jobs_run_on_commit() -> Iterator[None]:
    """Jobs asked for on commit run when it happens, as a worker would run them."""
    with override_settings(TASKS=IMMEDIATE_TASKS), TestCase.captureOnCommitCallbacks(
            execute=True):
        yield


def draw_and_tell(round_id: int, seed: int | None = None) -> services.DrawSummary | None:
    """Draw a round: the draw commits, and the job it asks for tells the families."""
    with jobs_run_on_commit():
        return services.round_allocate(round_id=round_id, seed=seed)


def family_for(resident: Resident, *, children: tuple = (), distance_km: int = 0) -> Household:
    """Another household with an approved adult (and children) for `resident`."""
    household = f.make_household(children=children)
    Household.objects.filter(pk=household.pk).update(distance_km=distance_km)
    household.refresh_from_db()
    f.approve(household.visitors.all(), resident)
    return household


@pytest.fixture
def rw(world: World) -> RoundWorld:
    rule = f.make_rule(world.facility, capacity=2, allocation_mode=AllocationMode.ROUND,
                       opens_days_before=21, closes_hours_before=24)
    base = f.in_hours(24 * 10)
    sessions = [
        f.make_session(rule, starts_at=base),
        f.make_session(rule, starts_at=base + dt.timedelta(hours=4)),
        f.make_session(rule, starts_at=base + dt.timedelta(hours=24)),
    ]
    return RoundWorld(world=world, rule=rule, sessions=sessions,
                      round=make_round(rule, sessions))
