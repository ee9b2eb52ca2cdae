"""Fixtures for the request-round tests (no tests here): a rule shared out by a lottery,
three sessions next week and an open round over them, on top of the shared `world`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests import factories as f
from tests.conftest import World
from visits.models import AllocationMode, Household, Resident, Session, VisitingRule
from visits.round_models import RequestRound


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
