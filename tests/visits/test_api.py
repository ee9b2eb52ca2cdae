"""The REST API and the pages: clear 4xx for bad input (never a 500), nothing half-written."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import Delivery, Event
from tests import factories as f
from tests.conftest import World
from visits import services
from visits.models import (
    ApprovedVisitor,
    Booking,
    BookingStatus,
    BookingStatusChange,
    BookingVisitor,
    Closure,
    Session,
    SessionStatus,
)

pytestmark = pytest.mark.django_db


def assert_error(response: Any, status: int, code: str | None = None,
                 fields: tuple[str, ...] = ()) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert {"code", "message", "fields"} <= set(body)
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"].strip()
    assert isinstance(body["fields"], dict)
    if code:
        assert body["code"] == code, body
    for name in fields:
        assert body["fields"].get(name), body
    return body


def state() -> dict[str, Any]:
    """Everything a write could leave behind."""
    return {
        "counts": {m.__name__: m.objects.count() for m in (
            Booking, BookingVisitor, BookingStatusChange, Event, Delivery, Closure)},
        "sessions": list(Session.objects.order_by("pk").values_list(
            "pk", "held", "status", "close_reason", "capacity")),
        "bookings": list(Booking.objects.order_by("pk").values_list(
            "pk", "status", "reason", "offer_expires_at")),
        "approvals": list(ApprovedVisitor.objects.order_by("pk").values_list(
            "pk", "status", "expires_on", "guardian_consent_on_file")),
    }


@dataclass
class Scene:
    world: World
    booking: Booking  # Rosa's requested booking for Maria in world.session
    approval: ApprovedVisitor  # Sofia's approval for Maria

    @property
    def day(self) -> dt.date:
        return self.world.session.starts_at.astimezone(self.world.facility.tz).date()


@pytest.fixture
def scene(world: World) -> Scene:
    result = services.booking_create(
        actor=world.caregiver, session_id=world.session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family])
    return Scene(world, result.booking, world.sofia.approvals.get(resident=world.resident))


def booking_body(world: World, **extra: object) -> dict[str, object]:
    return {"session_id": world.session.pk, "resident_id": world.resident.pk,
            "visitor_ids": [v.pk for v in world.family], **extra}


# --- bad input, endpoint by endpoint ----------------------------------------------------


@dataclass(frozen=True)
class Bad:
    name: str
    persona: str
    path: Callable[[Scene], str]
    body: Callable[[Scene], Any]  # a dict is sent as JSON; a str is sent raw as JSON
    status: int
    code: str | None = None
    fields: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"


def bookings(s: Scene) -> str:
    return "/api/v1/bookings/"


def action(name: str, booking: Callable[[Scene], Any] = lambda s: s.booking.pk) -> Callable:
    return lambda s: f"/api/v1/bookings/{booking(s)}/{name}/"


def close_path(s: Scene) -> str:
    return f"/api/v1/sessions/{s.world.session.pk}/close/"


def decide_path(s: Scene) -> str:
    return f"/api/v1/approvals/{s.approval.pk}/decide/"


def closures(s: Scene) -> str:
    return "/api/v1/closures/"


def ok_booking(**extra: object) -> Callable[[Scene], dict[str, object]]:
    return lambda s: booking_body(s.world, **extra)


def closure_body(**extra: object) -> Callable[[Scene], dict[str, object]]:
    return lambda s: {"starts_on": s.day.isoformat(), "ends_on": s.day.isoformat(),
                      "reason": "Lockdown", **extra}


EMPTY = lambda s: {}  # noqa: E731
HUGE = 10**30
KEY_81 = (("Idempotency-Key", "k" * 81),)


def create_cases(path: Callable[[Scene], str], label: str) -> list[Bad]:
    return [
        Bad(f"{label}-empty", "caregiver", path, EMPTY, 400, "invalid",
            ("session_id", "resident_id", "visitor_ids")),
        Bad(f"{label}-wrong-types", "caregiver", path,
            lambda s: {"session_id": "abc", "resident_id": [1], "visitor_ids": "x",
                       "join_waitlist_if_full": "perhaps"}, 400, "invalid",
            ("session_id", "resident_id", "visitor_ids", "join_waitlist_if_full")),
        Bad(f"{label}-negative-ids", "caregiver", path,
            lambda s: {"session_id": -1, "resident_id": 0, "visitor_ids": [-5]}, 400, "invalid",
            ("session_id", "resident_id", "visitor_ids")),
        Bad(f"{label}-nobody-coming", "caregiver", path, ok_booking(visitor_ids=[]), 400,
            "invalid", ("visitor_ids",)),
        Bad(f"{label}-too-many-ids", "caregiver", path, ok_booking(visitor_ids=list(range(1, 14))),
            400, "invalid", ("visitor_ids",)),
        Bad(f"{label}-null-ids", "caregiver", path, ok_booking(session_id=None, visitor_ids=None),
            400, "invalid", ("session_id", "visitor_ids")),
        Bad(f"{label}-malformed-json", "caregiver", path, lambda s: '{"session_id": 1,', 400,
            "parse_error"),
        Bad(f"{label}-json-list", "caregiver", path, lambda s: "[1, 2]", 400, "invalid"),
        Bad(f"{label}-form-encoded", "caregiver", path, lambda s: "session_id=1", 415,
            content_type="application/x-www-form-urlencoded"),
        Bad(f"{label}-unknown-session", "caregiver", path, ok_booking(session_id=999_999), 404,
            "not_found"),
        # Past any row id: refused by form, naming the field (it once overflowed the driver).
        Bad(f"{label}-huge-session-id", "caregiver", path, ok_booking(session_id=HUGE), 400,
            "invalid", ("session_id",)),
        Bad(f"{label}-unknown-resident", "caregiver", path, ok_booking(resident_id=999_999), 404,
            "not_found"),
        Bad(f"{label}-someone-elses-visitor", "caregiver", path,
            lambda s: booking_body(s.world, visitor_ids=[
                f.adults(s.world.other_household)[0].pk]), 400, "invalid", ("visitor_ids",)),
        Bad(f"{label}-unknown-visitor", "caregiver", path, ok_booking(visitor_ids=[HUGE]), 400,
            "invalid", ("visitor_ids",)),
        Bad(f"{label}-key-81-chars", "other_caregiver", path,
            lambda s: {"session_id": s.world.session.pk, "resident_id": s.world.other_resident.pk,
                       "visitor_ids": [f.adults(s.world.other_household)[0].pk]},
            400, "invalid", ("Idempotency-Key",), headers=KEY_81),
        Bad(f"{label}-blank-key", "other_caregiver", path,
            lambda s: {"session_id": s.world.session.pk, "resident_id": s.world.other_resident.pk,
                       "visitor_ids": [f.adults(s.world.other_household)[0].pk]},
            400, "invalid", ("Idempotency-Key",), headers=(("Idempotency-Key", "   "),)),
        Bad(f"{label}-liaison", "liaison", path, ok_booking(), 403, "not_permitted"),
        Bad(f"{label}-coordinator", "coordinator", path, ok_booking(), 403, "not_permitted"),
        Bad(f"{label}-driver", "driver", path, ok_booking(), 403, "not_permitted"),
        Bad(f"{label}-anonymous", "anonymous", path, ok_booking(), 401, "not_authenticated"),
    ]


FAMILY_ACTIONS = ["cancel", "accept-offer", "pass-offer"]
LIAISON_ACTIONS = ["confirm", "decline", "check-in", "no-show"]
REASON = lambda s: {"reason": "Visitor list under review"}  # noqa: E731

ACTION_CASES = [
    *(Bad(f"{a}-unknown-booking", "caregiver", action(a, lambda s: 999_999), EMPTY, 404,
          "not_found") for a in FAMILY_ACTIONS),
    *(Bad(f"{a}-huge-booking-id", "caregiver", action(a, lambda s: HUGE), EMPTY, 404,
          "not_found") for a in FAMILY_ACTIONS),
    *(Bad(f"{a}-unknown-booking", "liaison", action(a, lambda s: 999_999), REASON, 404,
          "not_found") for a in LIAISON_ACTIONS),
    *(Bad(f"{a}-by-liaison", "liaison", action(a), EMPTY, 403, "not_permitted")
      for a in FAMILY_ACTIONS),
    *(Bad(f"{a}-by-caregiver", "caregiver", action(a), REASON, 403, "not_permitted")
      for a in LIAISON_ACTIONS),
    *(Bad(f"{a}-by-coordinator", "coordinator", action(a), REASON, 403, "not_permitted")
      for a in FAMILY_ACTIONS + LIAISON_ACTIONS),
    *(Bad(f"{a}-anonymous", "anonymous", action(a), REASON, 401, "not_authenticated")
      for a in FAMILY_ACTIONS + LIAISON_ACTIONS),
    *(Bad(f"{a}-other-household", "other_caregiver", action(a), EMPTY, 404, "not_found")
      for a in FAMILY_ACTIONS),
    *(Bad(f"{a}-other-facility", "other_liaison", action(a), REASON, 404, "not_found")
      for a in LIAISON_ACTIONS),
    Bad("cancel-reason-not-text", "caregiver", action("cancel"), lambda s: {"reason": {"a": 1}},
        400, "invalid", ("reason",)),
    Bad("cancel-reason-too-long", "caregiver", action("cancel"), lambda s: {"reason": "x" * 301},
        400, "invalid", ("reason",)),
    Bad("cancel-malformed-json", "caregiver", action("cancel"), lambda s: "{oops", 400,
        "parse_error"),
    Bad("accept-offer-nothing-offered", "caregiver", action("accept-offer"), EMPTY, 409),
    Bad("pass-offer-nothing-offered", "caregiver", action("pass-offer"), EMPTY, 409,
        "wrong_status"),
    Bad("decline-no-reason", "liaison", action("decline"), EMPTY, 400, "invalid",
        ("reason_code",)),
    Bad("decline-empty-reason", "liaison", action("decline"), lambda s: {"reason": ""}, 400,
        "invalid", ("reason_code",)),
    Bad("decline-blank-reason", "liaison", action("decline"), lambda s: {"reason": "   "}, 400,
        "invalid", ("reason_code",)),
    Bad("decline-unknown-code", "liaison", action("decline"),
        lambda s: {"reason_code": "lockdown"}, 400, "invalid", ("reason_code",)),
    Bad("decline-other-without-note", "liaison", action("decline"),
        lambda s: {"reason_code": "other", "reason": " "}, 400, "invalid", ("reason",)),
    Bad("decline-reason-list", "liaison", action("decline"), lambda s: {"reason": ["no"]}, 400,
        "invalid", ("reason",)),
    Bad("decline-reason-too-long", "liaison", action("decline"),
        lambda s: {"reason": "x" * 301}, 400, "invalid", ("reason",)),
    Bad("decline-malformed-json", "liaison", action("decline"), lambda s: '{"reason":', 400,
        "parse_error"),
    Bad("check-in-not-the-day", "liaison", action("check-in"), EMPTY, 409, "not_visit_day"),
    Bad("no-show-too-early", "liaison", action("no-show"), EMPTY, 409, "too_early"),
]

CLOSE_CASES = [
    Bad("close-no-reason", "liaison", close_path, EMPTY, 400, "invalid", ("reason_code",)),
    Bad("close-empty-reason", "liaison", close_path, lambda s: {"reason": ""}, 400, "invalid",
        ("reason_code",)),
    Bad("close-blank-reason", "liaison", close_path, lambda s: {"reason": " \t "}, 400,
        "invalid", ("reason_code",)),
    Bad("close-unknown-code", "liaison", close_path, lambda s: {"reason_code": "flood"}, 400,
        "invalid", ("reason_code",)),
    Bad("close-code-not-text", "liaison", close_path, lambda s: {"reason_code": ["lockdown"]},
        400, "invalid", ("reason_code",)),
    Bad("close-other-without-note", "liaison", close_path,
        lambda s: {"reason_code": "other"}, 400, "invalid", ("reason",)),
    Bad("close-reason-wrong-type", "liaison", close_path, lambda s: {"reason": {"why": "x"}},
        400, "invalid", ("reason",)),
    Bad("close-reason-longer-than-stored", "liaison", close_path,
        lambda s: {"reason": "L" * 201}, 400, "invalid", ("reason",)),
    Bad("close-malformed-json", "liaison", close_path, lambda s: "{", 400, "parse_error"),
    Bad("close-unknown-session", "liaison", lambda s: "/api/v1/sessions/999999/close/", REASON,
        404, "not_found"),
    Bad("close-huge-session-id", "liaison", lambda s: f"/api/v1/sessions/{HUGE}/close/", REASON,
        404, "not_found"),
    Bad("close-other-facility", "other_liaison", close_path, REASON, 404, "not_found"),
    Bad("close-caregiver", "caregiver", close_path, REASON, 403, "not_permitted"),
    Bad("close-driver", "driver", close_path, REASON, 403, "not_permitted"),
    Bad("close-anonymous", "anonymous", close_path, REASON, 401, "not_authenticated"),
]

CLOSURE_CASES = [
    Bad("closure-empty", "liaison", closures, EMPTY, 400, "invalid", ("starts_on", "ends_on")),
    Bad("closure-bad-dates", "liaison", closures,
        closure_body(starts_on="2026-13-01", ends_on="tomorrow"), 400, "invalid",
        ("starts_on", "ends_on")),
    Bad("closure-ends-before-it-starts", "liaison", closures,
        lambda s: {"starts_on": s.day.isoformat(),
                   "ends_on": (s.day - dt.timedelta(days=1)).isoformat(), "reason": "Count"},
        400, "invalid", ("ends_on",)),
    Bad("closure-empty-reason", "liaison", closures, closure_body(reason=""), 400, "invalid",
        ("reason_code",)),
    Bad("closure-blank-reason", "liaison", closures, closure_body(reason="   "), 400, "invalid",
        ("reason_code",)),
    Bad("closure-unknown-code", "liaison", closures, closure_body(reason_code="flood"), 400,
        "invalid", ("reason_code",)),
    Bad("closure-other-without-note", "liaison", closures,
        closure_body(reason_code="other", reason=""), 400, "invalid", ("reason",)),
    Bad("closure-reason-too-long", "liaison", closures, closure_body(reason="x" * 201), 400,
        "invalid", ("reason",)),
    Bad("closure-unit-ids-not-ids", "liaison", closures, closure_body(unit_ids=["x"]), 400,
        "invalid", ("unit_ids",)),
    Bad("closure-unit-ids-not-a-list", "liaison", closures, closure_body(unit_ids=5), 400,
        "invalid", ("unit_ids",)),
    Bad("closure-another-facilitys-unit", "liaison", closures,
        lambda s: closure_body(unit_ids=[s.world.other_facility.units.first().pk])(s), 400,
        "invalid", ("unit_ids",)),
    Bad("closure-unknown-unit", "liaison", closures, closure_body(unit_ids=[HUGE]), 400,
        "invalid", ("unit_ids",)),
    Bad("closure-malformed-json", "liaison", closures, lambda s: "nope", 400, "parse_error"),
    Bad("closure-caregiver", "caregiver", closures, closure_body(), 403, "not_permitted"),
    Bad("closure-coordinator", "coordinator", closures, closure_body(), 403, "not_permitted"),
    Bad("closure-anonymous", "anonymous", closures, closure_body(), 401, "not_authenticated"),
]

DECIDE_CASES = [
    Bad("decide-empty", "liaison", decide_path, EMPTY, 400, "invalid", ("status",)),
    Bad("decide-unknown-status", "liaison", decide_path, lambda s: {"status": "maybe"}, 400,
        "invalid", ("status",)),
    Bad("decide-expiry-not-a-date", "liaison", decide_path,
        lambda s: {"status": "approved", "expires_on": "next year"}, 400, "invalid",
        ("expires_on",)),
    Bad("decide-expiry-in-the-past", "liaison", decide_path,
        lambda s: {"status": "approved", "expires_on": "2020-01-01"}, 400, "invalid",
        ("expires_on",)),
    Bad("decide-consent-not-a-boolean", "liaison", decide_path,
        lambda s: {"status": "approved", "guardian_consent_on_file": "sure"}, 400, "invalid",
        ("guardian_consent_on_file",)),
    Bad("decide-malformed-json", "liaison", decide_path, lambda s: "{{", 400, "parse_error"),
    Bad("decide-unknown-approval", "liaison", lambda s: "/api/v1/approvals/999999/decide/",
        lambda s: {"status": "approved"}, 404, "not_found"),
    Bad("decide-other-facility", "other_liaison", decide_path,
        lambda s: {"status": "revoked", "reason_code": "not_on_list"}, 404, "not_found"),
    Bad("decide-deny-without-a-reason", "liaison", decide_path,
        lambda s: {"status": "denied"}, 400, "invalid", ("reason_code",)),
    Bad("decide-revoke-without-a-reason", "liaison", decide_path,
        lambda s: {"status": "revoked", "reason": "  "}, 400, "invalid", ("reason_code",)),
    Bad("decide-reason-not-on-the-list", "liaison", decide_path,
        lambda s: {"status": "revoked", "reason_code": "because"}, 400, "invalid",
        ("reason_code",)),
    Bad("decide-another-reason-unsaid", "liaison", decide_path,
        lambda s: {"status": "revoked", "reason_code": "other"}, 400, "invalid", ("reason",)),
    Bad("decide-note-too-long", "liaison", decide_path,
        lambda s: {"status": "denied", "reason_code": "other", "reason": "x" * 501}, 400,
        "invalid", ("reason",)),
    Bad("decide-caregiver", "caregiver", decide_path, lambda s: {"status": "approved"}, 403,
        "not_permitted"),
    Bad("decide-driver", "driver", decide_path, lambda s: {"status": "approved"}, 403,
        "not_permitted"),
    Bad("decide-anonymous", "anonymous", decide_path, lambda s: {"status": "approved"}, 401,
        "not_authenticated"),
]

ALL_BAD = [
    *create_cases(bookings, "booking"),
    *create_cases(lambda s: "/api/v1/waitlist/", "waitlist"),
    *ACTION_CASES, *CLOSE_CASES, *CLOSURE_CASES, *DECIDE_CASES,
]


@pytest.mark.parametrize("case", ALL_BAD, ids=[c.name for c in ALL_BAD])
def test_bad_request_gets_a_clear_4xx_and_writes_nothing(
    scene: Scene, api: Callable[[Any], APIClient], case: Bad
) -> None:
    client = api(scene.world.persona(case.persona))
    body = case.body(scene)
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in case.headers}
    before = state()
    response = client.post(case.path(scene), data=data, content_type=case.content_type,
                           **headers)
    assert_error(response, case.status, case.code, case.fields)
    assert state() == before


def test_a_closed_session_cannot_be_closed_again(scene: Scene, api: Callable) -> None:
    client = api(scene.world.liaison)
    assert client.post(close_path(scene), {"reason": "Lockdown"}, format="json").status_code == 200
    before = state()
    assert_error(client.post(close_path(scene), {"reason": "Again"}, format="json"), 409,
                 "already_closed")
    assert state() == before


# --- the happy paths through the API ----------------------------------------------------


def test_booking_through_the_api_with_an_idempotency_key(world: World, api: Callable) -> None:
    client = api(world.caregiver)
    first = client.post("/api/v1/bookings/", booking_body(world), format="json",
                        HTTP_IDEMPOTENCY_KEY="retry-me")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "requested"
    again = client.post("/api/v1/bookings/", booking_body(world), format="json",
                        HTTP_IDEMPOTENCY_KEY="retry-me")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Booking.objects.count() == 1

    other = f.make_session(world.rule, starts_at=world.session.starts_at + dt.timedelta(days=1))
    before = state()
    reused = client.post("/api/v1/bookings/", {**booking_body(world), "session_id": other.pk},
                         format="json", HTTP_IDEMPOTENCY_KEY="retry-me")
    assert_error(reused, 409, "idempotency_key_reused")
    assert state() == before


def test_rule_violations_come_back_together_as_422(world: World, api: Callable) -> None:
    world.rule.max_children = 0
    world.rule.save()
    before = state()
    response = api(world.caregiver).post(
        "/api/v1/bookings/", booking_body(world, visitor_ids=[world.sofia.pk]), format="json")
    body = assert_error(response, 422, "rules_violated", ("visitor_ids",))
    assert sorted(v["code"] for v in body["violations"]) == [
        "child_without_adult", "too_many_children"]
    assert state() == before


def test_full_session_then_the_waiting_list(world: World, api: Callable) -> None:
    f.fill(world.session, world.facility, world.session.capacity)
    client = api(world.caregiver)
    before = state()
    body = assert_error(client.post("/api/v1/bookings/", booking_body(world), format="json"),
                        409, "session_full")
    assert body["can_join_waitlist"] is True
    assert state() == before
    waiting = client.post("/api/v1/waitlist/", booking_body(world), format="json")
    assert waiting.status_code == 201
    assert waiting.json()["status"] == "waitlisted"


def test_every_action_works_for_the_right_person(scene: Scene, api: Callable) -> None:
    w = scene.world
    family, staff = api(w.caregiver), api(w.liaison)
    later = f.make_session(w.rule, starts_at=w.session.starts_at + dt.timedelta(days=1))
    mine = family.post("/api/v1/bookings/", {**booking_body(w), "session_id": later.pk},
                       format="json").json()
    cancelled = family.post(f"/api/v1/bookings/{mine['id']}/cancel/", {"reason": "Flu"},
                            format="json")
    assert (cancelled.json()["status"], cancelled.json()["reason"]) == ("cancelled", "Flu")

    url = action("confirm")(scene)
    assert staff.post(url).json()["status"] == "confirmed"
    assert_error(staff.post(url), 409, "wrong_status")

    declined = staff.post(action("decline")(scene), {"reason": "Dress code"}, format="json")
    assert (declined.json()["status"], declined.json()["reason"]) == ("declined", "Dress code")

    today = f.make_session(w.rule, starts_at=timezone.now())
    arriving = f.make_booking(today, w.resident, w.household, w.family)
    response = staff.post(f"/api/v1/bookings/{arriving.pk}/check-in/")
    assert response.status_code == 200 and response.json()["status"] == "checked_in"

    started = f.make_session(w.rule, starts_at=timezone.now() - dt.timedelta(hours=1))
    missing = f.make_booking(started, w.resident, w.household, w.family)
    assert staff.post(f"/api/v1/bookings/{missing.pk}/no-show/").json()["status"] == "no_show"



def test_offer_actions_through_the_api(world: World, api: Callable) -> None:
    session = f.make_session(f.make_rule(world.facility, capacity=1))
    holder = f.fill(session, world.facility, 1)[0]
    client = api(world.caregiver)
    waiting = client.post("/api/v1/waitlist/", {**booking_body(world), "session_id": session.pk},
                          format="json").json()
    services.booking_cancel(actor=holder.household.caregiver, booking_id=holder.pk)
    accepted = client.post(f"/api/v1/bookings/{waiting['id']}/accept-offer/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "requested"
    assert_error(client.post(f"/api/v1/bookings/{waiting['id']}/pass-offer/"), 409,
                 "wrong_status")


def test_close_a_session_and_open_a_closure(scene: Scene, api: Callable) -> None:
    staff = api(scene.world.liaison)
    closed = staff.post(close_path(scene), {"reason": "L" * 200}, format="json")
    assert closed.status_code == 200
    assert closed.json() == {"session_id": scene.world.session.pk, "status": "closed",
                             "cancelled": 1}
    scene.world.session.refresh_from_db()
    assert scene.world.session.close_reason == "L" * 200

    later = scene.day + dt.timedelta(days=7)
    response = staff.post("/api/v1/closures/", {
        "starts_on": later.isoformat(), "ends_on": later.isoformat(), "reason": "Count",
        "unit_ids": [scene.world.unit_b.pk]}, format="json")
    assert response.status_code == 201
    assert response.json()["cancelled"] == 0
    assert list(Closure.objects.get().units.all()) == [scene.world.unit_b]


def test_approval_decide_through_the_api(scene: Scene, api: Callable) -> None:
    expires = (timezone.now().date() + dt.timedelta(days=200)).isoformat()
    response = api(scene.world.liaison).post(decide_path(scene), {
        "status": "approved", "expires_on": expires, "guardian_consent_on_file": False,
    }, format="json")
    assert response.status_code == 200
    assert (response.json()["expires_on"], response.json()["guardian_consent_on_file"]) == (
        expires, False)


def test_withdrawing_an_approval_tells_the_family_why_in_her_language_and_keeps_who(
    scene: Scene, api: Callable,
) -> None:
    from django.utils import translation

    from notifications.text import render_stored
    from visits.models import ApprovalAudit

    response = api(scene.world.liaison).post(decide_path(scene), {
        "status": "revoked", "reason_code": "other", "reason": "Visiting list under review",
    }, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    event = Event.objects.get(type="visits.approval.revoked")
    assert list(event.deliveries.values_list("user", flat=True)) == [scene.world.caregiver.pk]
    assert event.body.endswith("Note from the facility: Visiting list under review")
    with translation.override("es"):
        spanish = render_stored(event.i18n, "body", "")
    assert "ya no puede visitar" in spanish
    assert "Nota del centro: Visiting list under review" in spanish
    decision = ApprovalAudit.objects.get(approval=scene.approval)
    assert (decision.status, decision.reason_code, decision.reason, decision.actor) == (
        "revoked", "other", "Visiting list under review", scene.world.liaison)
    # Approving again needs no reason, and is kept too.
    again = api(scene.world.liaison).post(decide_path(scene), {"status": "approved"},
                                          format="json")
    assert again.status_code == 200
    assert list(ApprovalAudit.objects.filter(approval=scene.approval)
                .values_list("status", flat=True)) == ["revoked", "approved"]


# --- authentication ---------------------------------------------------------------------


def test_token_auth(world: World, api: Callable) -> None:
    me = api(world.caregiver).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json() == {"id": world.caregiver.pk, "username": "rosa", "roles": ["caregiver"],
                         "liaison_at": None, "facilities_administered": [],
                         "programs_administered": [], "coordinates_for": None,
                         "drives_for": None}
    assert api(world.liaison).get("/api/v1/me/").json()["roles"] == ["liaison"]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(bad.get("/api/v1/me/"), 401, "authentication_failed")
    assert_error(APIClient().get("/api/v1/me/"), 401, "not_authenticated")


def test_session_auth_needs_the_csrf_token_to_write(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.caregiver)
    assert browser.get("/api/v1/me/").json()["username"] == "rosa"

    body = json.dumps(booking_body(world))
    refused = browser.post("/api/v1/bookings/", body, content_type="application/json")
    assert_error(refused, 403, "permission_denied")
    assert Booking.objects.count() == 0

    browser.get("/visit/", follow=True)  # any page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    made = browser.post("/api/v1/bookings/", body, content_type="application/json",
                        HTTP_X_CSRFTOKEN=token)
    assert made.status_code == 201
    assert Booking.objects.get().household == world.household


def test_read_endpoints_answer_every_signed_in_role_without_500(
    scene: Scene, api: Callable
) -> None:
    w = scene.world
    reads = ["/api/v1/me/", "/api/v1/facilities/", "/api/v1/sessions/",
             f"/api/v1/sessions/?resident={w.resident.pk}&kind=video&date_from=2026-01-01",
             "/api/v1/household/", "/api/v1/bookings/", f"/api/v1/roster/?date={scene.day}",
             "/api/v1/approvals/"]
    for persona in ("caregiver", "liaison", "coordinator", "driver", "anonymous"):
        client = api(w.persona(persona))
        for url in reads:
            response = client.get(url)
            assert response.status_code in (200, 401, 403), (persona, url, response.content)
            if response.status_code != 200:
                assert_error(response, response.status_code)
    bad_query = api(w.caregiver).get("/api/v1/sessions/?date_from=someday&kind=teleport")
    assert_error(bad_query, 400, "invalid", ("date_from", "kind"))
    assert_error(api(w.liaison).get("/api/v1/roster/?date=31-12-2026"), 400, "invalid", ("date",))


def test_schema_and_docs_are_served_from_our_own_static_files(client: Client) -> None:
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/bookings/" in schema.content

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    assert assets, "the docs page loads Swagger UI from somewhere"
    # The split view serves its start-up script from the docs page itself (no inline script,
    # so the Content-Security-Policy holds there too).
    assert all(a.startswith(("/static/", "/api/docs/?script")) for a in assets), assets
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr", html, re.IGNORECASE)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


# --- pages ------------------------------------------------------------------------------


def signed_in(user: Any, **headers: str) -> Client:
    browser = Client(**headers)
    browser.force_login(user)
    return browser


def test_pages_ask_anonymous_visitors_to_sign_in(world: World, client: Client) -> None:
    for url in ["/", "/visit/", f"/visit/{world.resident.pk}/",
                f"/visit/{world.resident.pk}/{world.session.pk}/", "/bookings/", "/roster/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    assert client.get("/login/").status_code == 200


def test_home_sends_each_role_to_its_page(world: World) -> None:
    assert signed_in(world.caregiver).get("/")["Location"] == "/visit/"
    assert signed_in(world.liaison).get("/")["Location"] == "/roster/"
    assert signed_in(world.coordinator).get("/")["Location"] == "/rides/board/"
    assert signed_in(world.driver).get("/")["Location"] == "/rides/driver/"
    nobody = get_user_model().objects.create_user(username="nobody", password="pw-12345678")
    assert signed_in(nobody).get("/").status_code == 200  # "ask your organisation" page


def test_the_three_booking_pages_then_my_visits(world: World) -> None:
    browser = signed_in(world.caregiver)
    # Only one person to visit: step 1 (whom) is skipped.
    assert browser.get("/visit/")["Location"] == f"/visit/{world.resident.pk}/"

    sessions = browser.get(f"/visit/{world.resident.pk}/")
    assert sessions.status_code == 200
    confirm_url = f"/visit/{world.resident.pk}/{world.session.pk}/"
    assert confirm_url in sessions.content.decode()

    form = browser.get(confirm_url)
    assert form.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.content.decode()).group(1)
    posted = {"visitor_ids": [str(v.pk) for v in world.family], "idempotency_key": key}
    check = browser.post(confirm_url, posted, follow=True)  # "check your answers": no booking
    assert check.status_code == 200 and not Booking.objects.exists()
    booked = browser.post(confirm_url, {**posted, "book": "1"})
    booking = Booking.objects.get()
    assert (booked.status_code, booked["Location"]) == (302, f"/bookings/{booking.pk}/booked/")
    again = browser.post(confirm_url, {**posted, "book": "1"})  # a double tap
    assert again.status_code == 302
    assert (booking.status, set(booking.visitors.all())) == ("requested", set(world.family))

    mine = browser.get("/bookings/")
    assert mine.status_code == 200
    assert f"booking-{booking.pk}" in mine.content.decode()

    cancelled = browser.post(f"/bookings/{booking.pk}/cancel/")
    assert cancelled.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_booking_form_shows_problems_instead_of_failing(world: World) -> None:
    browser = signed_in(world.caregiver)
    confirm_url = f"/visit/{world.resident.pk}/{world.session.pk}/"
    nobody = browser.post(confirm_url, {"idempotency_key": "a"})
    assert nobody.status_code == 200
    child_alone = browser.post(confirm_url, {"visitor_ids": [str(world.sofia.pk), "x"],
                                             "idempotency_key": "k" * 200})
    assert child_alone.status_code == 200
    assert Booking.objects.count() == 0

    f.fill(world.session, world.facility, world.session.capacity)
    full = browser.post(confirm_url, {"visitor_ids": [str(world.rosa.pk)],
                                      "idempotency_key": "b"}, follow=True)
    assert full.status_code == 200
    assert 'name="waitlist" value="1"' in full.content.decode()
    joined = browser.post(confirm_url, {"visitor_ids": [str(world.rosa.pk)],
                                        "idempotency_key": "c", "waitlist": "1", "book": "1"})
    assert joined.status_code == 302
    assert Booking.objects.get(household=world.household).status == BookingStatus.WAITLISTED


def test_pages_do_not_show_other_households_people(world: World) -> None:
    browser = signed_in(world.other_caregiver)
    assert browser.get(f"/visit/{world.resident.pk}/").status_code == 404
    assert browser.get(f"/visit/{world.resident.pk}/{world.session.pk}/").status_code == 404
    foreign = f.make_session(f.make_rule(world.other_facility))
    assert signed_in(world.caregiver).get(
        f"/visit/{world.resident.pk}/{foreign.pk}/").status_code == 404
    assert signed_in(world.caregiver).get("/visit/999999/").status_code == 404


def test_roster_page_and_its_buttons(scene: Scene) -> None:
    w = scene.world
    staff = signed_in(w.liaison)
    roster = staff.get(f"/roster/?date={scene.day}")
    assert roster.status_code == 200
    html = roster.content.decode()
    assert f"booking-{scene.booking.pk}" in html and "W48213" in html
    assert staff.get("/roster/?date=not-a-date").status_code == 200

    assert staff.post(f"/roster/{scene.booking.pk}/decline/", {"reason": ""}).status_code == 400
    assert staff.post(f"/roster/{scene.booking.pk}/decline/",
                      {"reason": "x" * 400}).status_code == 400
    scene.booking.refresh_from_db()
    assert scene.booking.status == BookingStatus.REQUESTED
    assert staff.post(f"/roster/{scene.booking.pk}/confirm/",
                      {"date": str(scene.day)}).status_code == 302
    scene.booking.refresh_from_db()
    assert scene.booking.status == BookingStatus.CONFIRMED

    long_reason = staff.post(f"/roster/sessions/{w.session.pk}/close/", {"reason": "x" * 400})
    assert long_reason.status_code == 400
    w.session.refresh_from_db()
    assert w.session.status == SessionStatus.OPEN
    closed = staff.post(f"/roster/sessions/{w.session.pk}/close/", {"reason": "Lockdown"})
    assert closed.status_code == 302
    w.session.refresh_from_db()
    assert (w.session.status, w.session.held) == (SessionStatus.CLOSED, 0)


def test_roster_page_is_for_the_facilitys_staff_only(scene: Scene) -> None:
    w = scene.world
    assert signed_in(w.caregiver).get("/roster/").status_code == 403
    assert signed_in(w.driver).get("/roster/").status_code == 403
    other = signed_in(w.other_liaison).get(f"/roster/?date={scene.day}")
    assert other.status_code == 200
    assert "W48213" not in other.content.decode()
    assert signed_in(w.other_liaison).post(
        f"/roster/{scene.booking.pk}/confirm/").status_code == 302
    scene.booking.refresh_from_db()
    assert scene.booking.status == BookingStatus.REQUESTED


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_spanish_pages_render(scene: Scene, how: str) -> None:
    w = scene.world
    headers = {"HTTP_ACCEPT_LANGUAGE": "es"} if how == "accept-language" else {}
    for user, urls in [
        (w.caregiver, ["/visit/", f"/visit/{w.resident.pk}/",
                       f"/visit/{w.resident.pk}/{w.session.pk}/", "/bookings/"]),
        (w.liaison, [f"/roster/?date={scene.day}"]),
        (None, ["/login/"]),
    ]:
        browser = signed_in(user, **headers) if user else Client(**headers)
        if how == "cookie":
            browser.cookies["django_language"] = "es"
        for url in urls:
            response = browser.get(url, follow=True)
            assert response.status_code == 200, url
            assert '<html lang="es"' in response.content.decode(), url


def drf_rendering(serializer_class: type, instance: object) -> dict:
    """DRF's generic rendering of the fields a serializer declares (what the API docs say)."""
    from rest_framework import serializers

    return dict(serializers.ModelSerializer.to_representation(serializer_class(), instance))


def test_every_booking_answer_is_what_the_documented_fields_say(
    world: World, api: Callable
) -> None:
    """Bookings, sessions and residents are rendered by one hand-written function each, for
    speed; each must give exactly what DRF gives for the fields its serializer declares."""
    from visits.serializers import BookingSerializer, ResidentSerializer, SessionSerializer

    world.session.unit = world.unit_a
    world.session.save()
    client = api(world.caregiver)
    first = client.post("/api/v1/bookings/", booking_body(world), format="json",
                        HTTP_IDEMPOTENCY_KEY="same-shape")
    assert first.status_code == 201, first.content
    booking = Booking.objects.get(pk=first.json()["id"])
    documented = drf_rendering(BookingSerializer, booking)
    assert first.json() == documented
    assert documented["session"] == drf_rendering(SessionSerializer, booking.session)
    assert documented["resident"] == drf_rendering(ResidentSerializer, booking.resident)
    assert first.json()["session"]["unit_name"] == "Unit A"
    assert "prison_id" not in first.json()["resident"]
    assert [v["first_name"] for v in first.json()["visitors"]] == ["Rosa", "Sofia"]
    again = client.post("/api/v1/bookings/", booking_body(world), format="json",
                        HTTP_IDEMPOTENCY_KEY="same-shape")
    assert again.status_code == 200
    assert again.json() == documented
    listed = client.get("/api/v1/bookings/").json()
    assert [b for b in listed if b["id"] == booking.pk] == [documented]
    sessions = client.get("/api/v1/sessions/").json()
    listed_session = next(s for s in sessions if s["id"] == booking.session_id)
    assert listed_session == {**documented["session"], "remaining": listed_session["remaining"]}


def test_sessions_of_a_day_are_the_facilitys_days_not_utcs(world: World, api: Callable) -> None:
    """A 7 p.m. video call in Chicago (1 a.m. the next day in UTC) is on the family's day."""
    evening = f.make_session(world.rule, starts_at=f.local_morning(days_ahead=4, hour=19))
    day = evening.starts_at.astimezone(world.facility.tz).date()
    before = f.make_session(world.rule, starts_at=f.local_morning(days_ahead=3, hour=19))

    def ids_on(first: dt.date, last: dt.date) -> set[int]:
        response = api(world.caregiver).get(
            f"/api/v1/sessions/?facility={world.facility.pk}&date_from={first}&date_to={last}")
        assert response.status_code == 200
        return {s["id"] for s in response.json()}

    assert evening.pk in ids_on(day, day)
    assert before.pk not in ids_on(day, day)
    assert evening.pk not in ids_on(day + dt.timedelta(days=1), day + dt.timedelta(days=1))
    assert before.pk in ids_on(day - dt.timedelta(days=1), day - dt.timedelta(days=1))
