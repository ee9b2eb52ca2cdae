"""`/api/v1/me/` says each person's staff roles: the facility she is a liaison at, the
facilities and programs she administers, the program she coordinates or drives for; ids and
names only, never another person's data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import World
from transport.models import Coordinator, Driver, Program
from visits.models import Liaison

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


@pytest.fixture
def prairie(world: World) -> Program:
    program = Program.objects.create(name="Prairie Rides")
    Coordinator.objects.filter(user=world.coordinator).update(program=program, is_admin=True)
    Driver.objects.filter(user=world.driver).update(program=program)
    return program


def test_a_program_administrator_sees_her_program(world: World, prairie: Program,
                                                 api: Callable) -> None:
    me = api(world.coordinator).get(ME).json()
    named = {"id": prairie.pk, "name": "Prairie Rides"}
    assert me["roles"] == ["coordinator"]
    assert (me["coordinates_for"], me["programs_administered"]) == (named, [named])
    assert (me["drives_for"], me["liaison_at"], me["facilities_administered"]) == (None, None, [])


def test_a_plain_coordinator_administers_nothing(world: World, prairie: Program,
                                                 api: Callable) -> None:
    Coordinator.objects.filter(user=world.coordinator).update(is_admin=False)
    me = api(world.coordinator).get(ME).json()
    assert me["coordinates_for"] == {"id": prairie.pk, "name": "Prairie Rides"}
    assert me["programs_administered"] == []


def test_a_driver_sees_the_program_she_drives_for(world: World, prairie: Program,
                                                  api: Callable) -> None:
    me = api(world.driver).get(ME).json()
    assert me["roles"] == ["driver"]
    assert me["drives_for"] == {"id": prairie.pk, "name": "Prairie Rides"}
    assert (me["coordinates_for"], me["programs_administered"]) == (None, [])
    Driver.objects.filter(user=world.driver).update(active=False)  # removed from the program
    me = api(world.driver).get(ME).json()
    assert (me["roles"], me["drives_for"]) == ([], None)


def test_an_account_of_the_unnamed_program(world: World, api: Callable) -> None:
    me = api(world.coordinator).get(ME).json()
    assert me["coordinates_for"] == {"id": None, "name": None}
    assert me["programs_administered"] == []


def test_a_facility_administrator_sees_her_facility(world: World, api: Callable) -> None:
    Liaison.objects.filter(user=world.liaison).update(is_admin=True)
    me = api(world.liaison).get(ME).json()
    lakeview = {"id": world.facility.pk, "name": "Lakeview"}
    assert me["roles"] == ["liaison"]
    assert (me["liaison_at"], me["facilities_administered"]) == (lakeview, [lakeview])
    other = api(world.other_liaison).get(ME).json()
    assert other["liaison_at"] == {"id": world.other_facility.pk, "name": "High Desert"}
    assert other["facilities_administered"] == []


def test_one_person_with_several_roles(world: World, prairie: Program, api: Callable) -> None:
    Driver.objects.create(user=world.coordinator, program=prairie, home_base="Decatur, IL")
    me = api(world.coordinator).get(ME).json()
    assert me["roles"] == ["coordinator", "driver"]
    assert me["drives_for"] == me["coordinates_for"] == {"id": prairie.pk,
                                                        "name": "Prairie Rides"}


@pytest.mark.parametrize("persona", ["caregiver", "other_caregiver", "liaison", "coordinator",
                                     "driver"])
def test_me_names_no_one_else(world: World, prairie: Program, api: Callable,
                              persona: str) -> None:
    user = world.persona(persona)
    body = api(user).get(ME).content.decode()
    others = {"rosa", "linda", "liaison", "liaison2", "coordinator", "driver"} - {
        user.get_username()}
    assert not any(f'"{name}"' in body for name in others)
    assert "W48213" not in body and "Sofia" not in body


def test_me_needs_a_sign_in(world: World) -> None:
    assert Client().get(ME).status_code in (401, 403)
