"""Issue 18: hostile or odd input never reaches a 500, and every answer under /api/ is JSON.

Each finding of the black-box probe has a test here, parametrised over the endpoints one
fix covers. They assert what a client notices: the status, the JSON body with the field to
fix, and that nothing was written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.conftest import World
from transport.fund.models import Donation, Subsidy
from transport.models import RideRequest
from visits.models import Booking, Closure, Session, SessionStatus

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


def written() -> tuple[int, ...]:
    return (Booking.objects.count(), Closure.objects.count(), RideRequest.objects.count(),
            Donation.objects.count(), Subsidy.objects.count(),
            Session.objects.filter(status=SessionStatus.CLOSED).count())


def assert_json_error(response: Any, status: int, code: str | None = None,
                      field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"code", "message", "fields"} <= set(body), body
    assert body["message"]
    if code:
        assert body["code"] == code, body
    if field:
        assert field in body["fields"], body
    return body


# Every endpoint that reads a JSON body: (persona, method, path).
JSON_WRITES = [
    ("caregiver", "post", "/api/v1/bookings/"),
    ("caregiver", "post", "/api/v1/waitlist/"),
    ("caregiver", "post", "/api/v1/bookings/1/cancel/"),
    ("liaison", "post", "/api/v1/bookings/1/decline/"),
    ("liaison", "post", "/api/v1/sessions/1/close/"),
    ("liaison", "post", "/api/v1/closures/"),
    ("liaison", "post", "/api/v1/approvals/1/decide/"),
    ("caregiver", "put", "/api/v1/preferences/"),
    ("caregiver", "post", "/api/v1/requests/"),
    ("caregiver", "put", "/api/v1/requests/1/"),
    ("caregiver", "post", "/api/v1/rides/"),
    ("coordinator", "post", "/api/v1/rides/1/pin/"),
    ("coordinator", "post", "/api/v1/rides/plan/"),
    ("driver", "post", "/api/v1/stops/1/status/"),
    ("anonymous", "post", "/api/v1/fund/donations/"),
    ("coordinator", "post", "/api/v1/fund/subsidies/"),
]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(("persona", "method", "path"), JSON_WRITES)
def test_json_nested_too_deep_is_a_400_before_parsing(
    world: World, api: Callable, persona: str, method: str, path: str, body: str
) -> None:
    before = written()
    client = api(world.persona(persona))
    response = getattr(client, method)(path, data=body, content_type="application/json")
    assert_json_error(response, 400)
    assert written() == before


@pytest.mark.parametrize(("persona", "method", "path"), JSON_WRITES[:3] + JSON_WRITES[-2:])
def test_a_body_past_the_size_limit_is_a_413(
    world: World, api: Callable, persona: str, method: str, path: str
) -> None:
    body = '{"reason": "' + "x" * 300_000 + '"}'
    response = getattr(api(world.persona(persona)), method)(
        path, data=body, content_type="application/json")
    assert_json_error(response, 413, "too_large")


@pytest.mark.parametrize(("text", "problem"), [
    ('{"reason": "stop\\u0000here"}', "Null characters"),
    ('{"reason": "half \\ud800 pair"}', "cannot be stored"),
])
def test_nul_and_lone_surrogates_in_json_are_refused_with_the_field(
    world: World, api: Callable, text: str, problem: str
) -> None:
    path = f"/api/v1/sessions/{world.session.pk}/close/"
    response = api(world.liaison).post(path, data=text, content_type="application/json")
    body = assert_json_error(response, 400, field="reason")
    assert problem in body["fields"]["reason"][0]
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.OPEN


@pytest.mark.parametrize("text", ['{"amount": "25", "email": "a@b.org", "name": "\\u0000"}',
                                  '{"amount": "25", "email": "a@b.org", "name": "\\udfff"}'])
def test_the_anonymous_donation_start_refuses_unstorable_text(client: Client, text: str,
                                                              db: None) -> None:
    response = client.post("/api/v1/fund/donations/", data=text,
                           content_type="application/json")
    assert_json_error(response, 400, field="name")
    assert Donation.objects.count() == 0


# Dates at the ends of the calendar used to overflow (`day + 1`) into a 500.
END_DATES = ["9999-12-31", "0001-01-01"]


@pytest.mark.parametrize("date", END_DATES)
@pytest.mark.parametrize(("persona", "path", "field"), [
    ("liaison", "/api/v1/roster/?date={}", "date"),
    ("caregiver", "/api/v1/sessions/?date_to={}", "date_to"),
    ("caregiver", "/api/v1/sessions/?date_from={}", "date_from"),
    ("coordinator", "/api/v1/rides/board/?date={}", "date"),
    ("driver", "/api/v1/trips/?date={}", "date"),
])
def test_api_dates_at_the_ends_of_the_calendar_are_a_field_error(
    world: World, api: Callable, persona: str, path: str, field: str, date: str
) -> None:
    response = api(world.persona(persona)).get(path.format(date))
    assert_json_error(response, 400, "invalid", field)


@pytest.mark.parametrize("date", END_DATES)
def test_closure_ending_at_the_end_of_the_calendar_is_refused(
    world: World, api: Callable, date: str
) -> None:
    body = {"starts_on": "2030-01-01", "ends_on": date, "reason": "Lockdown"}
    response = api(world.liaison).post("/api/v1/closures/", body, format="json")
    assert_json_error(response, 400, "invalid", "ends_on")
    assert Closure.objects.count() == 0


@pytest.mark.parametrize("date", [*END_DATES, "2030-02-31", "２０３０-01-01", "x" * 5000])
@pytest.mark.parametrize(("persona", "path"), [
    ("liaison", "/roster/?date={}"),
    ("coordinator", "/rides/board/?date={}"),
    ("driver", "/rides/driver/?date={}"),
])
def test_pages_with_a_strange_date_show_today_instead_of_failing(
    world: World, client: Client, persona: str, path: str, date: str
) -> None:
    client.force_login(world.persona(persona))
    assert client.get(path.format(date)).status_code == 200


def test_a_closure_of_a_thousand_years_is_refused(world: World, api: Callable) -> None:
    body = {"starts_on": "2030-01-01", "ends_on": "3029-12-31", "reason": "Forever"}
    response = api(world.liaison).post("/api/v1/closures/", body, format="json")
    assert_json_error(response, 400, "invalid", "ends_on")
    body["ends_on"] = "2031-06-01"  # just over a year
    response = api(world.liaison).post("/api/v1/closures/", body, format="json")
    assert_json_error(response, 400, "invalid", "ends_on")
    assert Closure.objects.count() == 0


def test_an_empty_unit_list_does_not_create_a_closure(world: World, api: Callable) -> None:
    body = {"starts_on": "2030-01-01", "ends_on": "2030-01-02", "reason": "Count",
            "unit_ids": []}
    response = api(world.liaison).post("/api/v1/closures/", body, format="json")
    assert_json_error(response, 400, "invalid", "unit_ids")
    assert Closure.objects.count() == 0


RIDE = {"booking_id": 1, "pickup_label": "Home", "pickup_latitude": 34.05,
        "pickup_longitude": -118.24}


@pytest.mark.parametrize(("field", "value"), [
    ("pickup_latitude", True), ("pickup_longitude", False), ("pickup_latitude", "NaN"),
    ("pickup_longitude", "Infinity"), ("booking_id", True), ("booking_id", 10**30),
    ("adults", True), ("outbound", 1), ("earliest_pickup", "9999-12-31T23:59:59+14:00"),
])
def test_ride_request_refuses_wrong_types(world: World, api: Callable, field: str,
                                          value: Any) -> None:
    response = api(world.caregiver).post("/api/v1/rides/", {**RIDE, field: value},
                                         format="json")
    assert_json_error(response, 400, "invalid", field)
    assert RideRequest.objects.count() == 0


@pytest.mark.parametrize("booking", [True, False, 10**30, "²", [1], {"id": 1}])
def test_subsidy_refuses_a_booking_that_is_not_an_id(world: World, api: Callable,
                                                     booking: Any) -> None:
    body = {"booking": booking, "kind": "bus_fare", "amount_cents": 100}
    response = api(world.coordinator).post("/api/v1/fund/subsidies/", body, format="json")
    assert_json_error(response, 400, "invalid", "booking")
    assert Subsidy.objects.count() == 0


@pytest.mark.parametrize("earmark", [True, 10**30, "²"])
def test_donation_refuses_an_earmark_that_is_not_an_id(client: Client, db: None,
                                                       earmark: Any) -> None:
    body = {"amount": "25", "email": "donor@example.org", "earmark": earmark}
    response = client.post("/api/v1/fund/donations/", body, content_type="application/json")
    assert_json_error(response, 400, "invalid", "earmark")
    assert Donation.objects.count() == 0


@pytest.mark.parametrize("visitor_ids", [[], [True], [10**30], ["²"]])
@pytest.mark.parametrize("path", ["/api/v1/bookings/", "/api/v1/waitlist/"])
def test_booking_lists_must_hold_ids(world: World, api: Callable, path: str,
                                     visitor_ids: list[Any]) -> None:
    body = {"session_id": world.session.pk, "resident_id": world.resident.pk,
            "visitor_ids": visitor_ids}
    response = api(world.caregiver).post(path, body, format="json")
    assert_json_error(response, 400, "invalid", "visitor_ids")
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("resident", ["²", "٣", "1" * 10_000, "-1", "1.5"])
def test_rounds_resident_parameter_is_parsed_safely(world: World, api: Callable,
                                                    resident: str) -> None:
    response = api(world.caregiver).get("/api/v1/rounds/", {"resident": resident})
    assert_json_error(response, 400, "invalid", "resident")


@pytest.mark.parametrize("facility", ["²", "٣", "1" * 10_000])
def test_board_page_facility_parameter_is_parsed_safely(world: World, client: Client,
                                                        facility: str) -> None:
    client.force_login(world.coordinator)
    assert client.get("/rides/board/", {"facility": facility}).status_code == 200


@pytest.mark.parametrize("path", [
    "/api/v1/sessions/99999999999999999999999999/close/",
    "/api/v1/bookings/99999999999999999999999999/cancel/",
    "/api/v1/nothing-here/",
    "/api/v2/",
    "/api/",
])
def test_unknown_api_addresses_answer_json_404(world: World, api: Callable, path: str) -> None:
    assert_json_error(api(world.liaison).post(path, {}, format="json"), 404, "not_found")


def test_an_unexpected_error_under_api_answers_json_500_with_an_id_in_the_log(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from visits import api as visits_api

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("a bug we did not foresee")

    monkeypatch.setattr(visits_api.selectors, "facilities_visible", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.caregiver)
    with caplog.at_level(logging.ERROR, logger="scheduler.errors"):
        response = client.get("/api/v1/facilities/")
    body = assert_json_error(response, 500, "server_error")
    assert len(body["error_id"]) == 12
    logged = [r for r in caplog.records if body["error_id"] in r.getMessage()]
    assert logged and logged[0].exc_info, "the traceback is logged with the error id"
    assert "a bug we did not foresee" not in response.content.decode()


def test_session_close_form_refuses_a_nul_byte_and_closes_nothing(
    world: World, client: Client
) -> None:
    client.force_login(world.liaison)
    response = client.post(f"/roster/sessions/{world.session.pk}/close/",
                           {"reason": "Lock\x00down"})
    assert response.status_code == 400
    assert "reason" in response.content.decode()
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.OPEN


@pytest.mark.parametrize("query", ["date=2030-01-01%00", "facility=%00"])
def test_a_nul_in_a_query_string_is_a_field_error(world: World, api: Callable,
                                                  query: str) -> None:
    response = api(world.coordinator).get(f"/api/v1/rides/board/?{query}")
    field = query.split("=")[0]
    assert_json_error(response, 400, "invalid", field)
