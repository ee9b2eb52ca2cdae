"""Shared fixtures: one small world with every persona a permission question needs.

Personas (STYLE.md, "Tests"): the household's caregiver, another caregiver, the facility's
liaison, another facility's liaison, a coordinator, a driver and an anonymous visitor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from visits.models import Facility, Household, HousingUnit, Resident, Session, VisitingRule, Visitor


@dataclass
class World:
    facility: Facility
    unit_a: HousingUnit
    unit_b: HousingUnit
    other_facility: Facility
    rule: VisitingRule
    session: Session
    resident: Resident  # Maria, Unit A; the household's relative
    household: Household  # Rosa (adult) and Sofia (9), approved for Maria
    other_resident: Resident  # Tanya, Unit B
    other_household: Household  # Linda and Jaylen (12), approved for Tanya
    caregiver: Any
    other_caregiver: Any
    liaison: Any
    other_liaison: Any
    coordinator: Any
    driver: Any

    @property
    def rosa(self) -> Visitor:
        return f.adults(self.household)[0]

    @property
    def sofia(self) -> Visitor:
        return f.children(self.household)[0]

    @property
    def family(self) -> list[Visitor]:
        return [self.rosa, self.sofia]

    def persona(self, name: str) -> Any:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture(autouse=True)
def _site_language_between_tests() -> Iterator[None]:
    """Each test starts and ends in the site's language. Signing in a Spanish reader (the
    test client runs her request in this thread) activates Spanish, as the page needs; a
    server's next request picks its own language, but the next test would inherit it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_throttles(settings: Any) -> None:
    """Throttle counters live in the cache: each test starts with none, in its own local
    cache (never the shared Redis, which other processes use)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "tests"}}
    cache.clear()


@pytest.fixture
def sms_outbox(settings: Any) -> list[tuple[str, str]]:
    """The texts sent during the test, as (number, text), like pytest-django's mailoutbox."""
    from notifications.sms import LocmemSmsBackend

    settings.SMS_BACKEND = "notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox


PERSONAS = (
    "caregiver", "other_caregiver", "liaison", "other_liaison", "coordinator", "driver",
    "anonymous",
)


@pytest.fixture
def world(db: None) -> World:
    facility = f.make_facility("Lakeview", units=("Unit A", "Unit B"))
    other_facility = f.make_facility("High Desert", time_zone="America/Los_Angeles",
                                     units=("Yard C",))
    unit_a, unit_b = f.unit_of(facility, "Unit A"), f.unit_of(facility, "Unit B")
    rule = f.make_rule(facility, capacity=4)
    resident = f.make_resident(facility, unit=unit_a, first_name="Maria", last_name="Lopez",
                               prison_id="W48213")
    other_resident = f.make_resident(facility, unit=unit_b, first_name="Tanya",
                                     last_name="Brooks", prison_id="W51877")
    household = f.make_household("rosa", name="Lopez family", children=[("Sofia", 9)])
    other_household = f.make_household("linda", name="Brooks family", adult_first_name="Linda",
                                       children=[("Jaylen", 12)])
    f.approve(household.visitors.all(), resident)
    f.approve(other_household.visitors.all(), other_resident)
    return World(
        facility=facility, unit_a=unit_a, unit_b=unit_b, other_facility=other_facility,
        rule=rule, session=f.make_session(rule), resident=resident, household=household,
        other_resident=other_resident, other_household=other_household,
        caregiver=household.caregiver, other_caregiver=other_household.caregiver,
        liaison=f.make_liaison(facility, "liaison"),
        other_liaison=f.make_liaison(other_facility, "liaison2"),
        coordinator=f.make_coordinator("coordinator"), driver=f.make_driver("driver"),
    )


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """An API client authenticated with the user's token (or anonymous for None)."""

    def make(user: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {f.token_for(user)}")
        return client

    return make
