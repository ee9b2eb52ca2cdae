"""The day list (printable and CSV) and the visits export: the right columns, totals that
match the database, cells a spreadsheet never runs, and only the facility's own liaison."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from tests import factories as f
from tests.conftest import PERSONAS, World
from visits import services
from visits.models import Booking, BookingStatus
from visits.reports import DAY_LIST_HEADER, VISITS_HEADER

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=CHICAGO)  # the world's session: Sat Dec 5


@pytest.fixture
def w(request: pytest.FixtureRequest, time_machine: Any) -> World:
    """Lakeview's Saturday session with Rosa's family (wheelchair, and a note that looks
    like a formula) and Linda's; a later session whose booking Rosa cancelled; one that
    the facility declined; and another facility's booking the same day."""
    time_machine.move_to(NOON, tick=False)
    world = request.getfixturevalue("world")
    rosa = services.booking_create(
        actor=world.caregiver, session_id=world.session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family],
        support=services.SupportNeeds(wheelchair=True, note="=HYPERLINK(\"x\")")).booking
    services.booking_create(
        actor=world.other_caregiver, session_id=world.session.pk,
        resident_id=world.other_resident.pk,
        visitor_ids=[v.pk for v in world.other_household.visitors.all()])
    later = f.make_session(world.rule, starts_at=world.session.starts_at + dt.timedelta(days=7))
    cancelled = services.booking_create(
        actor=world.caregiver, session_id=later.pk, resident_id=world.resident.pk,
        visitor_ids=[world.rosa.pk]).booking
    services.booking_cancel(actor=world.caregiver, booking_id=cancelled.pk)
    declined = services.booking_create(
        actor=world.other_caregiver, session_id=later.pk, resident_id=world.other_resident.pk,
        visitor_ids=[v.pk for v in world.other_household.visitors.all()]).booking
    services.booking_decline(actor=world.liaison, booking_id=declined.pk, reason="Count")
    other_rule = f.make_rule(world.other_facility)
    f.make_booking(f.make_session(other_rule),
                   f.make_resident(world.other_facility, first_name="Omar", last_name="Diaz"),
                   f.make_household("far"))
    world.rosa_booking = rosa
    return world


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def read_csv(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_day_list_csv_has_every_family_expected_with_their_needs(w: World) -> None:
    rows = read_csv(client_for(w.liaison).get("/roster/day-list/?date=2026-12-05&format=csv"))
    assert tuple(rows[0]) == DAY_LIST_HEADER
    body = rows[1:]
    assert len(body) == Booking.objects.filter(
        session=w.session).exclude(status__in=["cancelled", "declined"]).count() == 2
    rosa = next(r for r in body if r[3] == "Maria Lopez")
    assert rosa[0] == "10:00" and rosa[4] == "W48213"
    assert (rosa[7], rosa[8]) == ("1", "1")  # Rosa and Sofia (9)
    assert rosa[9] == "yes"
    assert rosa[11] == "'=HYPERLINK(\"x\")"  # text, never a formula


def test_the_day_list_leaves_out_families_only_waiting_for_a_place(w: World) -> None:
    hope = f.make_resident(w.facility, first_name="Wendy", last_name="Hope")
    f.make_booking(w.session, hope, f.make_household("hopeful"), status=BookingStatus.WAITLISTED)
    rows = read_csv(client_for(w.liaison).get("/roster/day-list/?date=2026-12-05&format=csv"))
    assert "Wendy Hope" not in {r[3] for r in rows}
    assert len(rows) - 1 == 2


def test_the_printable_day_list_counts_people(w: World) -> None:
    page = client_for(w.liaison).get("/roster/day-list/?date=2026-12-05").content.decode()
    assert "2 families expected" in page
    assert "2 adults" in page and "2 children" in page
    assert "Wheelchair access" in page


def test_the_visits_export_totals_match_the_database(w: World) -> None:
    url = "/roster/reports/visits.csv?from=2026-12-01&to=2026-12-31"
    rows = read_csv(client_for(w.liaison).get(url))
    assert tuple(rows[0]) == VISITS_HEADER
    body = rows[1:]
    lakeview = Booking.objects.filter(session__facility=w.facility)
    assert len(body) == lakeview.count() == 4
    status_col = VISITS_HEADER.index("status")
    for status in BookingStatus:
        assert sum(1 for r in body if r[status_col] == status.label) == \
            lakeview.filter(status=status).count()
    by = {r[status_col]: r[VISITS_HEADER.index("cancelled_by")] for r in body}
    assert by["Cancelled"] == "family" and by["Declined"] == "facility"
    adults = sum(int(r[VISITS_HEADER.index("adults")]) for r in body)
    children = sum(int(r[VISITS_HEADER.index("children")]) for r in body)
    assert (adults, children) == (4, 3)


def test_the_reports_page_counts_per_month(w: World) -> None:
    page = client_for(w.liaison).get("/roster/reports/?from=2026-12-01&to=2026-12-31"
                                     ).content.decode()
    assert "December 2026" in page and "4 bookings" in page
    assert '<meter min="0" max="2" value="2">2</meter>' in page  # two requested/confirmed


@pytest.mark.parametrize("query", ["from=2026-12-31&to=2026-12-01", "from=someday",
                                   "from=2026-01-01&to=2027-06-01", "to=2026-02-30"])
@pytest.mark.parametrize("path", ["/roster/reports/", "/roster/reports/visits.csv"])
def test_bad_ranges_are_refused_with_a_message(w: World, query: str, path: str) -> None:
    response = client_for(w.liaison).get(f"{path}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_bad_day_is_refused(w: World) -> None:
    response = client_for(w.liaison).get("/roster/day-list/?date=2026-13-01&format=csv")
    assert response.status_code == 400


PAGE_STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 200, "other_liaison": 200,
               "coordinator": 403, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", ["/roster/day-list/?date=2026-12-05&format=csv",
                                  "/roster/day-list/?date=2026-12-05",
                                  "/roster/reports/visits.csv?from=2026-12-01&to=2026-12-31",
                                  "/roster/reports/"])
def test_only_liaisons_and_only_their_own_facility(w: World, persona: str, path: str) -> None:
    response = client_for(w.persona(persona)).get(path)
    assert response.status_code == PAGE_STATUS[persona]
    if response.status_code != 200:
        return
    shown = response.content.decode("utf-8")
    if persona == "liaison":
        assert "W48213" in shown or "4 bookings" in shown
    else:  # her own facility's, never Lakeview's
        assert "W48213" not in shown and "Maria" not in shown and "4 bookings" not in shown
