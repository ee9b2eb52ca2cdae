"""Request rounds over the API and the pages: clear 4xx for bad input, and privacy."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
from tests.visits.test_rounds_world import RoundWorld, close_round, family_for, rw
from visits import services
from visits.models import Booking, Session
from visits.round_models import RequestStatus, VisitRequest

__all__ = ["rw"]

REQUESTS = "/api/v1/requests/"


def body(rw: RoundWorld, **changes: object) -> dict:
    data = {"round_id": rw.round.pk, "resident_id": rw.world.resident.pk,
            "visitor_ids": [v.pk for v in rw.world.family], "choices": rw.ids[:2]}
    data.update(changes)
    return data


def send(api, rw: RoundWorld, user=None, **changes: object):
    return api(user or rw.world.caregiver).post(REQUESTS, body(rw, **changes), format="json")


def assert_clear(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) >= {"code", "message", "fields"} and data["message"]
    if code:
        assert data["code"] == code
    return data


# --- sending, listing, changing, withdrawing ------------------------------------------------


def test_a_caregiver_sends_lists_changes_and_withdraws_her_request(api, rw: RoundWorld) -> None:
    sent = send(api, rw)
    assert sent.status_code == 201
    data = sent.json()
    assert data["choices"] == rw.ids[:2] and data["status"] == "pending"
    assert data["resident_first_name"] == "Maria"

    mine = api(rw.world.caregiver).get(REQUESTS).json()
    assert [r["id"] for r in mine] == [data["id"]]

    changed = api(rw.world.caregiver).put(
        f"{REQUESTS}{data['id']}/", {"visitor_ids": [rw.world.rosa.pk], "choices": [rw.ids[2]]},
        format="json")
    assert changed.status_code == 200 and changed.json()["choices"] == [rw.ids[2]]

    gone = api(rw.world.caregiver).post(f"{REQUESTS}{data['id']}/withdraw/")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert api(rw.world.caregiver).get(REQUESTS).json() == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"choices": []}, "choices"),
        ({"choices": [1, 2, 3, 4]}, "choices"),
        ({"choices": "first"}, "choices"),
        ({"choices": [-1]}, "choices"),
        ({"choices": [2**70]}, "choices"),
        ({"visitor_ids": []}, "visitor_ids"),
        ({"round_id": "x"}, "round_id"),
        ({"resident_id": None}, "resident_id"),
    ],
)
def test_malformed_requests_get_a_400_naming_the_field(
    api, rw: RoundWorld, changes: dict, field: str,
) -> None:
    data = assert_clear(send(api, rw, **changes), 400, "invalid")
    assert field in data["fields"]
    assert not VisitRequest.objects.exists()


def test_requests_the_rules_refuse_get_clear_answers(api, rw: RoundWorld) -> None:
    assert_clear(send(api, rw, choices=[rw.ids[0], rw.ids[0]]), 400, "invalid")
    assert_clear(send(api, rw, visitor_ids=[rw.world.sofia.pk]), 422, "rules_violated")
    assert_clear(send(api, rw, round_id=999_999), 404, "not_found")
    assert_clear(send(api, rw, resident_id=rw.world.other_resident.pk), 404, "not_found")
    elsewhere = f.make_session(rw.world.rule, hours_from_now=100)  # first come, not in it
    assert_clear(send(api, rw, choices=[elsewhere.pk]), 400, "invalid")
    assert send(api, rw).status_code == 201
    assert_clear(send(api, rw), 409, "already_requested")
    close_round(rw.round)
    other = family_for(rw.world.resident)
    assert_clear(send(api, rw, user=other.caregiver,
                      visitor_ids=[v.pk for v in other.visitors.all()]), 409, "round_closed")
    assert VisitRequest.objects.count() == 1


def test_change_and_withdraw_refuse_bad_input_and_other_households(api, rw: RoundWorld) -> None:
    own = send(api, rw).json()["id"]
    url = f"{REQUESTS}{own}/"
    assert_clear(api(rw.world.caregiver).put(url, {"choices": [rw.ids[0]]}, format="json"),
                 400, "invalid")
    assert_clear(api(rw.world.caregiver).put(
        url, {"visitor_ids": [rw.world.rosa.pk], "choices": [999_999]}, format="json"),
        400, "invalid")
    assert_clear(api(rw.world.other_caregiver).put(
        url, {"visitor_ids": [1], "choices": [rw.ids[0]]}, format="json"), 404, "not_found")
    assert_clear(api(rw.world.other_caregiver).post(url + "withdraw/"), 404, "not_found")
    assert_clear(api(rw.world.other_caregiver).get(url), 404, "not_found")
    assert api(rw.world.caregiver).post(url + "withdraw/").status_code == 200
    assert_clear(api(rw.world.caregiver).post(url + "withdraw/"), 409, "wrong_status")
    assert_clear(api(rw.world.liaison).post(REQUESTS, body(rw), format="json"), 403,
                 "not_permitted")
    assert api(None).post(REQUESTS, body(rw), format="json").status_code in (401, 403)


def test_first_come_booking_of_a_round_session_is_a_clear_409(api, rw: RoundWorld) -> None:
    response = api(rw.world.caregiver).post("/api/v1/bookings/", {
        "session_id": rw.ids[0], "resident_id": rw.world.resident.pk,
        "visitor_ids": [rw.world.rosa.pk]}, format="json")
    data = assert_clear(response, 409, "request_round")
    assert data["round_id"] == rw.round.pk
    assert not Booking.objects.exists()


# --- chances, the round, verify -------------------------------------------------------------


def test_chances_are_counts_only_and_for_families_of_the_facility(api, rw: RoundWorld) -> None:
    Session.objects.filter(pk=rw.ids[0]).update(capacity=1)
    send(api, rw)
    send(api, rw, user=rw.world.other_caregiver, resident_id=rw.world.other_resident.pk,
         visitor_ids=[v.pk for v in rw.world.other_household.visitors.all()],
         choices=[rw.ids[0]])
    url = f"/api/v1/rounds/{rw.round.pk}/chances/"

    data = api(rw.world.caregiver).get(url).json()
    first = next(s for s in data["sessions"] if s["session_id"] == rw.ids[0])
    assert (first["requests"], first["places"], first["requests_per_place"]) == (2, 1, 2.0)
    assert first["first_choices"] == 2
    assert "Lopez" not in str(data) and "Brooks" not in str(data)

    stranger = f.make_household()
    assert_clear(api(stranger.caregiver).get(url), 404, "not_found")
    assert api(rw.world.liaison).get(url).status_code == 200
    assert_clear(api(rw.world.other_liaison).get(url), 404, "not_found")


def test_the_liaison_sees_requests_seed_and_why_only_for_her_facility(api, rw: RoundWorld) -> None:
    send(api, rw)
    url = f"/api/v1/rounds/{rw.round.pk}/"
    before = api(rw.world.liaison).get(url).json()
    assert before["seed"] is None and before["requests"][0]["household_name"] == "Lopez family"

    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk, seed=42)
    after = api(rw.world.liaison).get(url).json()
    assert after["seed"] == 42 and after["status"] == "allocated"
    request = after["requests"][0]
    assert request["status"] == RequestStatus.GRANTED and request["granted_rank"] == 1
    assert request["why"][0] == "Drawn 1 of 1." and request["explanation"]["lottery"]
    assert "2 children coming" not in request["priorities"]  # Sofia is the only child
    assert "1 child coming" in request["priorities"]

    assert_clear(api(rw.world.other_liaison).get(url), 404, "not_found")
    assert_clear(api(rw.world.caregiver).get(url), 403, "not_permitted")
    listed = api(rw.world.other_liaison).get("/api/v1/rounds/").json()
    assert listed == []
    assert [r["id"] for r in api(rw.world.liaison).get("/api/v1/rounds/").json()] == [
        rw.round.pk]


def test_verify_endpoint(api, rw: RoundWorld) -> None:
    send(api, rw)
    url = f"/api/v1/rounds/{rw.round.pk}/verify/"
    assert_clear(api(rw.world.liaison).post(url), 409, "round_not_drawn")
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk)
    result = api(rw.world.liaison).post(url).json()
    assert result["matches"] is True and result["checked"] == 1
    assert_clear(api(rw.world.caregiver).post(url), 403, "not_permitted")
    assert_clear(api(rw.world.other_liaison).post(url), 404, "not_found")
    assert_clear(api(rw.world.liaison).post("/api/v1/rounds/999999/verify/"), 404)


def test_a_caregivers_round_list_shows_the_open_rounds_for_her_person(api, rw: RoundWorld) -> None:
    listed = api(rw.world.caregiver).get(
        f"/api/v1/rounds/?resident={rw.world.resident.pk}").json()
    assert [r["id"] for r in listed] == [rw.round.pk]
    assert "seed" not in listed[0]
    assert api(rw.world.caregiver).get(
        f"/api/v1/rounds/?resident={rw.world.other_resident.pk}").json() == []


# --- pages ---------------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_request_form_sends_a_ranked_request_and_shows_it(rw: RoundWorld) -> None:
    client = page_client(rw.world.caregiver)
    url = f"/visit/{rw.world.resident.pk}/request/"
    page = client.get(url).content.decode()
    assert "Your 1st choice" in page and "0 requests for 2 places" in page

    sent = client.post(url, {"round": rw.round.pk, "choice_1": rw.ids[1], "choice_2": "",
                             "choice_3": rw.ids[0],
                             "visitor_ids": [rw.world.rosa.pk, rw.world.sofia.pk]}, follow=True)
    assert "Your request is in." in sent.content.decode()
    request = VisitRequest.objects.get()
    assert request.choice_ids == [rw.ids[1], rw.ids[0]]
    mine = client.get("/requests/").content.decode()
    assert f'id="request-{request.pk}"' in mine and "1 request for 2 places" in mine

    refused = client.post(url, {"round": rw.round.pk, "choice_1": rw.ids[0],
                                "visitor_ids": [rw.world.sofia.pk]}).content.decode()
    assert "Children can only visit with an approved adult" in refused
    assert VisitRequest.objects.get().choice_ids == [rw.ids[1], rw.ids[0]]  # unchanged


def test_session_list_and_booking_page_point_to_the_request_form(rw: RoundWorld) -> None:
    client = page_client(rw.world.caregiver)
    sessions = client.get(f"/visit/{rw.world.resident.pk}/").content.decode()
    assert "Ask for a visit in the fair draw" in sessions
    assert "By request – fair draw" in sessions
    confirm = client.get(f"/visit/{rw.world.resident.pk}/{rw.ids[0]}/").content.decode()
    assert "Ask for this visit in the fair draw" in confirm
    assert "Book this visit" not in confirm and ">Continue<" not in confirm


def test_round_pages_are_the_liaisons_of_that_facility_only(rw: RoundWorld) -> None:
    services.request_submit(actor=rw.world.caregiver, round_id=rw.round.pk,
                            resident_id=rw.world.resident.pk,
                            visitor_ids=[rw.world.rosa.pk], choices=[rw.ids[0]])
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk, seed=123456789)
    liaison = page_client(rw.world.liaison)
    page = liaison.get(f"/roster/rounds/{rw.round.pk}/").content.decode()
    assert "123456789" in page and "Lopez family" in page and "Drawn 1 of 1." in page
    checked = liaison.post(f"/roster/rounds/{rw.round.pk}/verify/", follow=True)
    assert "gives exactly the recorded result for all 1 requests" in checked.content.decode()
    listing = liaison.get("/roster/rounds/").content.decode()
    assert rw.rule.name in listing and "1 request for 6 places" in listing

    assert page_client(rw.world.other_liaison).get(
        f"/roster/rounds/{rw.round.pk}/").status_code == 404
    assert page_client(rw.world.caregiver).get(
        f"/roster/rounds/{rw.round.pk}/").status_code == 403
    mine = page_client(rw.world.caregiver).get("/requests/").content.decode()
    assert "Your visit:" in mine and "1st choice: given to you." in mine
    assert page_client(rw.world.other_caregiver).get("/requests/").content.decode().count(
        'id="request-') == 0


def test_a_round_not_open_yet_says_when_it_opens(rw: RoundWorld) -> None:
    from django.utils import timezone

    from visits.round_models import RequestRound

    RequestRound.objects.filter(pk=rw.round.pk).update(
        opens_at=timezone.now() + timezone.timedelta(days=1))
    client = page_client(rw.world.caregiver)
    sessions = client.get(f"/visit/{rw.world.resident.pk}/").content.decode()
    assert "By request – fair draw" in sessions
    assert "Ask for a visit in the fair draw" not in sessions  # nothing to send yet
    form = client.get(f"/visit/{rw.world.resident.pk}/request/").content.decode()
    assert "Requests for these visits open on" in form
    assert "Send my request" not in form
