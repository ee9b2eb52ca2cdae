"""Issue 13: the caregiver's "My family" page: add, correct and remove the people in her care."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.conftest import PERSONAS, World
from visits.models import Visitor

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 2, 28, 23, 30, tzinfo=dt.UTC)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_she_adds_two_children_and_sees_them_marked_by_age(world: World) -> None:
    client = signed_in(world.caregiver)
    for name, born in (("Lucia", "2019-03-01"), ("Mateo", "2014-02-28")):
        response = client.post(reverse("household"), {
            "new-first_name": name, "new-last_name": "Ruiz", "new-date_of_birth": born})
        assert response.status_code == 302
    page = client.get(reverse("household")).content.decode()
    assert "Lucia Ruiz" in page and "Child, 6 years old" in page  # 7 tomorrow, not today
    assert "Mateo Ruiz" in page and "Child, 12 years old" in page
    assert world.household.visitors.filter(first_name__in=["Lucia", "Mateo"]).count() == 2


@pytest.mark.parametrize(("form", "field"), [
    ({"new-first_name": "", "new-last_name": "Ruiz", "new-date_of_birth": "2019-03-01"},
     "first_name"),
    ({"new-first_name": "Lu", "new-last_name": "Ruiz", "new-date_of_birth": "2027-01-01"},
     "date_of_birth"),
    ({"new-first_name": "Lu", "new-last_name": "Ruiz", "new-date_of_birth": "yesterday"},
     "date_of_birth"),
    ({"new-first_name": "L" * 101, "new-last_name": "Ruiz", "new-date_of_birth": "2019-03-01"},
     "first_name"),
    ({"new-first_name": "Lu\x00", "new-last_name": "Ruiz", "new-date_of_birth": "2019-03-01"},
     None),
])
@time_machine.travel(NOW, tick=False)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    world: World, form: dict, field: str | None
) -> None:
    before = Visitor.objects.count()
    response = signed_in(world.caregiver).post(reverse("household"), form)
    assert response.status_code == 400
    if field:
        assert response.context["form"].errors[field]
    assert Visitor.objects.count() == before


@time_machine.travel(NOW, tick=False)
def test_she_corrects_a_birthday_and_removes_someone_new(world: World) -> None:
    client = signed_in(world.caregiver)
    sofia = world.sofia
    response = client.post(reverse("person-edit", args=[sofia.pk]), {
        "first_name": "Sofía", "last_name": sofia.last_name, "date_of_birth": "2017-06-01"})
    assert response.status_code == 302
    sofia.refresh_from_db()
    assert (sofia.first_name, sofia.date_of_birth) == ("Sofía", dt.date(2017, 6, 1))
    new = f.make_visitor(world.household, first_name="Ana", born=dt.date(2020, 1, 1))
    assert client.post(reverse("person-remove", args=[new.pk])).status_code == 302
    assert not Visitor.objects.filter(pk=new.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_she_cannot_remove_herself_or_someone_booked(world: World) -> None:
    client = signed_in(world.caregiver)
    f.make_booking(world.session, world.resident, world.household, visitors=world.family)
    for person in (world.rosa, world.sofia):
        response = client.post(reverse("person-remove", args=[person.pk]), follow=True)
        assert response.status_code == 200
        assert Visitor.objects.filter(pk=person.pk).exists()
        assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "caregiver"])
def test_nobody_else_sees_or_changes_her_people(world: World, persona: str) -> None:
    user = world.persona(persona)
    client = signed_in(user) if user else Client()
    sofia = world.sofia
    page = client.get(reverse("household"))
    assert sofia.first_name not in page.content.decode()
    edit = client.post(reverse("person-edit", args=[sofia.pk]), {
        "first_name": "X", "last_name": "Y", "date_of_birth": "2015-01-01"})
    remove = client.post(reverse("person-remove", args=[sofia.pk]))
    expected = {302} if user is None else {403, 404}
    assert edit.status_code in expected and remove.status_code in expected
    sofia.refresh_from_db()
    assert sofia.first_name != "X"
    if persona == "other_caregiver":
        assert edit.status_code == 404 and remove.status_code == 404


def in_spanish(user) -> Client:
    client = signed_in(user)
    client.cookies["django_language"] = "es"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    return client


@time_machine.travel(NOW, tick=False)
def test_in_spanish_the_birthday_shows_in_the_date_picker_and_saves_unchanged(
    world: World,
) -> None:
    # The phone's date picker reads only 2011-02-14; "14/02/2011" left it empty, and saving
    # then failed on a field she never touched.
    mateo = f.make_visitor(world.household, first_name="Mateo", born=dt.date(2011, 2, 14))
    client = in_spanish(world.caregiver)
    page = client.get(reverse("person-edit", args=[mateo.pk]))
    html = page.content.decode()
    assert 'lang="es"' in html and "Fecha de nacimiento" in html
    assert 'type="date" name="date_of_birth" value="2011-02-14"' in html
    assert "14/02/2011" not in html

    response = client.post(reverse("person-edit", args=[mateo.pk]), {
        "first_name": "Mateo", "last_name": mateo.last_name, "date_of_birth": "2011-02-14"})
    assert response.status_code == 302, response.content.decode()
    mateo.refresh_from_db()
    assert mateo.date_of_birth == dt.date(2011, 2, 14)


@time_machine.travel(NOW, tick=False)
def test_in_spanish_a_refused_new_person_keeps_the_date_she_picked(world: World) -> None:
    response = in_spanish(world.caregiver).post(reverse("household"), {
        "new-first_name": "", "new-last_name": "Ruiz", "new-date_of_birth": "2019-03-01"})
    assert response.status_code == 400
    assert 'name="new-date_of_birth" value="2019-03-01"' in response.content.decode()
