"""Calendar feeds (visits/ics.py): what a calendar app sees, and what it must never see.

Every feed is read back with two independent parsers: `icalendar` (which wrote it) and
`vobject` (which builds its time zones from the VTIMEZONE in the file, not from the system).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import vobject
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from tests import factories as f
from visits import services
from visits.models import CalendarToken, CalendarTokenKind, Liaison, VisitKind
from visits.services import calendar_token_ensure

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


# --- helpers ------------------------------------------------------------------------------


def feed_url(user: AbstractBaseUser, kind: str) -> str:
    token = calendar_token_ensure(owner=user, kind=kind)
    return reverse("calendar-feed", args=[token.token])


def fetch(url: str, **headers: str):
    return Client().get(url, **headers)


def parse_both(body: bytes) -> tuple[Calendar, vobject.base.Component]:
    """Parse with both libraries; either one failing fails the test."""
    # vobject keeps the first VTIMEZONE it read for each TZID for the whole process; forget
    # it, so each body is read with its own (an earlier feed may cover other years).
    vars(vobject.icalendar)["__tzidMap"].clear()
    return Calendar.from_ical(body), vobject.readOne(body.decode("utf-8"))


def events_by_uid(body: bytes) -> dict[str, dict[str, object]]:
    """UID -> properties as both parsers read them (they must agree)."""
    ical, vcal = parse_both(body)
    out: dict[str, dict[str, object]] = {}
    for event in ical.walk("VEVENT"):
        out[str(event["UID"])] = {
            "sequence": int(event["SEQUENCE"]),
            "status": str(event["STATUS"]),
            "summary": str(event["SUMMARY"]),
            "start": event.start,
        }
    for vevent in getattr(vcal, "vevent_list", []):
        uid = vevent.uid.value
        assert int(vevent.sequence.value) == out[uid]["sequence"]
        assert vevent.status.value == out[uid]["status"]
        assert vevent.dtstart.value == out[uid]["start"]
        out[uid]["vobject_start"] = vevent.dtstart.value
    assert len(out) == len(getattr(vcal, "vevent_list", []))
    return out


def book(world, session=None, visitors=None):
    return services.booking_create(
        actor=world.caregiver, session_id=(session or world.session).pk,
        resident_id=world.resident.pk, visitor_ids=[v.pk for v in (visitors or world.family)],
    ).booking


def local_nine(days_ahead: int) -> dt.datetime:
    day = dt.datetime.now(CHICAGO).date() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(9, 0), CHICAGO)


# --- the caregiver's feed -----------------------------------------------------------------


def test_caregiver_feed_parses_and_is_a_calendar(world) -> None:
    booking = book(world)
    response = fetch(feed_url(world.caregiver, CalendarTokenKind.CAREGIVER))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = events_by_uid(response.content)
    assert list(events) == [f"booking-{booking.pk}@visits"]
    assert "Maria" in events[f"booking-{booking.pk}@visits"]["summary"]
    ical, _ = parse_both(response.content)
    event = ical.walk("VEVENT")[0]
    for name in ("DTSTAMP", "LAST-MODIFIED", "DTSTART", "DTEND", "SEQUENCE"):
        assert name in event
    assert b"X-PUBLISHED-TTL:PT1H" in response.content


def test_uid_stays_while_sequence_grows_and_cancelled_visit_stays(world) -> None:
    booking = book(world)
    url = feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)
    uid = f"booking-{booking.pk}@visits"

    first = events_by_uid(fetch(url).content)[uid]
    services.booking_confirm(actor=world.liaison, booking_id=booking.pk)
    confirmed = events_by_uid(fetch(url).content)[uid]
    services.booking_cancel(actor=world.caregiver, booking_id=booking.pk)
    cancelled = events_by_uid(fetch(url).content)[uid]

    assert (first["status"], confirmed["status"], cancelled["status"]) == (
        "TENTATIVE", "CONFIRMED", "CANCELLED")
    assert first["sequence"] < confirmed["sequence"] < cancelled["sequence"]


def test_times_are_local_wall_time_with_the_facilitys_vtimezone(world) -> None:
    start = local_nine(4)
    session = f.make_session(world.rule, starts_at=start.astimezone(dt.UTC))
    booking = book(world, session)
    body = fetch(feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)).content

    assert f"DTSTART;TZID=America/Chicago:{start:%Y%m%d}T090000".encode() in body
    ical, vcal = parse_both(body)
    assert [str(tz["TZID"]) for tz in ical.walk("VTIMEZONE")] == ["America/Chicago"]
    event = events_by_uid(body)[f"booking-{booking.pk}@visits"]
    assert (event["start"].hour, event["start"].minute) == (9, 0)
    # vobject reads the zone from the VTIMEZONE in the file: it must give the same instant.
    assert event["vobject_start"].astimezone(dt.UTC) == session.starts_at


@pytest.mark.parametrize("day", [dt.date(2026, 3, 8), dt.date(2026, 11, 1)],
                         ids=["spring-forward", "fall-back"])
def test_vtimezone_is_right_on_both_daylight_saving_days(
    world, time_machine, day: dt.date
) -> None:
    # The feed lists upcoming visits: read it the week before that daylight-saving day.
    time_machine.move_to(dt.datetime.combine(day - dt.timedelta(days=7), dt.time(12), CHICAGO))
    start = dt.datetime.combine(day, dt.time(9, 0), CHICAGO)
    session = f.make_session(world.rule, starts_at=start.astimezone(dt.UTC))
    booking = f.make_booking(session, world.resident, world.household)
    body = fetch(feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)).content
    event = events_by_uid(body)[f"booking-{booking.pk}@visits"]
    assert event["start"].replace(tzinfo=None) == dt.datetime.combine(day, dt.time(9, 0))
    assert event["vobject_start"].astimezone(dt.UTC) == session.starts_at


def test_etag_gives_304_until_something_changes(world) -> None:
    booking = book(world)
    url = feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)
    first = fetch(url)
    etag = first["ETag"]
    assert etag.startswith('"')
    assert fetch(url)["ETag"] == etag  # same data, same bytes
    not_modified = fetch(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""

    services.booking_confirm(actor=world.liaison, booking_id=booking.pk)
    changed = fetch(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_unknown_and_revoked_tokens_are_not_found(world) -> None:
    book(world)
    old_url = feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)
    assert fetch(reverse("calendar-feed", args=["x" * 43])).status_code == 404

    client = Client()
    client.force_login(world.caregiver)
    response = client.post(reverse("calendar-feed-reset", args=["caregiver"]))
    assert response.status_code == 302
    assert fetch(old_url).status_code == 404
    new_url = feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)
    assert new_url != old_url
    assert fetch(new_url).status_code == 200

    services.calendar_token_revoke(owner=world.caregiver, kind=CalendarTokenKind.CAREGIVER)
    assert fetch(new_url).status_code == 404


def test_reset_needs_post_and_login(world) -> None:
    url = reverse("calendar-feed-reset", args=["caregiver"])
    assert Client().post(url).status_code == 302  # to the login page
    assert CalendarToken.objects.count() == 0
    client = Client()
    client.force_login(world.caregiver)
    assert client.get(url).status_code == 405


def test_feed_of_a_liaison_who_left_stops_working(world) -> None:
    book(world)
    url = feed_url(world.liaison, CalendarTokenKind.FACILITY)
    assert fetch(url).status_code == 200
    Liaison.objects.filter(user=world.liaison).delete()
    assert fetch(url).status_code == 404


def test_feeds_never_show_prison_id_or_last_name(world) -> None:
    book(world)
    for user, kind in ((world.caregiver, CalendarTokenKind.CAREGIVER),
                       (world.liaison, CalendarTokenKind.FACILITY)):
        body = fetch(feed_url(user, kind)).content
        assert b"Maria" in body
        assert b"W48213" not in body
        assert b"Lopez" not in body


def test_another_households_booking_is_neither_in_the_feed_nor_downloadable(world) -> None:
    mine = book(world)
    theirs = f.make_booking(world.session, world.other_resident, world.other_household)
    body = fetch(feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)).content
    assert set(events_by_uid(body)) == {f"booking-{mine.pk}@visits"}
    assert b"Tanya" not in body

    client = Client()
    client.force_login(world.caregiver)
    assert client.get(reverse("booking-ics", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("booking-ics", args=[999999])).status_code == 404
    liaison = Client()
    liaison.force_login(world.liaison)
    assert liaison.get(reverse("booking-ics", args=[mine.pk])).status_code == 404


def test_single_visit_download(world) -> None:
    booking = book(world)
    client = Client()
    client.force_login(world.caregiver)
    response = client.get(reverse("booking-ics", args=[booking.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert list(events_by_uid(response.content)) == [f"booking-{booking.pk}@visits"]
    assert Client().get(reverse("booking-ics", args=[booking.pk])).status_code == 302


# --- the facility's roster feed -----------------------------------------------------------


def test_facility_feed_counts_visitors_and_names_no_child(world) -> None:
    book(world)  # Rosa and Sofia (9)
    theirs = f.make_booking(world.session, world.other_resident, world.other_household,
                            visitors=world.other_household.visitors.all())
    body = fetch(feed_url(world.liaison, CalendarTokenKind.FACILITY)).content
    events = events_by_uid(body)
    assert list(events) == [f"session-{world.session.pk}@visits"]
    ical, _ = parse_both(body)
    description = str(ical.walk("VEVENT")[0]["DESCRIPTION"])
    assert "Maria — 1 adult, 1 child" in description
    assert "Tanya — 1 adult, 1 child" in description
    for name in (b"Sofia", b"Jaylen", b"Rosa", b"Linda", b"Brooks", b"W51877"):
        assert name not in body
    assert theirs.pk  # both families are on the roster


def test_facility_feed_sequence_grows_and_only_shows_its_own_facility(world) -> None:
    booking = book(world)
    url = feed_url(world.liaison, CalendarTokenKind.FACILITY)
    uid = f"session-{world.session.pk}@visits"
    before = events_by_uid(fetch(url).content)[uid]
    services.booking_confirm(actor=world.liaison, booking_id=booking.pk)
    after = events_by_uid(fetch(url).content)[uid]
    assert after["sequence"] > before["sequence"]

    other = fetch(feed_url(world.other_liaison, CalendarTokenKind.FACILITY)).content
    assert events_by_uid(other) == {}
    assert b"Maria" not in other


def test_video_join_link_only_in_the_caregivers_feed(world) -> None:
    rule = f.make_rule(world.facility, kind=VisitKind.VIDEO)
    session = f.make_session(rule, hours_from_now=80)
    booking = book(world, session)
    link = booking.join_url.encode()
    assert link
    assert link in fetch(feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)).content
    roster = fetch(feed_url(world.liaison, CalendarTokenKind.FACILITY)).content
    assert f"session-{session.pk}@visits".encode() in roster
    assert booking.room_code.encode() not in roster


def test_closed_session_stays_in_both_feeds_as_cancelled(world) -> None:
    booking = book(world)
    services.session_close(actor=world.liaison, session_id=world.session.pk, reason="Lockdown")
    mine = events_by_uid(fetch(feed_url(world.caregiver, CalendarTokenKind.CAREGIVER)).content)
    roster = events_by_uid(fetch(feed_url(world.liaison, CalendarTokenKind.FACILITY)).content)
    assert mine[f"booking-{booking.pk}@visits"]["status"] == "CANCELLED"
    assert roster[f"session-{world.session.pk}@visits"]["status"] == "CANCELLED"


# --- tokens and pages ---------------------------------------------------------------------


def test_only_the_right_role_gets_a_feed(world) -> None:
    from scheduler.errors import NotPermitted

    with pytest.raises(NotPermitted):
        calendar_token_ensure(owner=world.liaison, kind=CalendarTokenKind.CAREGIVER)
    with pytest.raises(NotPermitted):
        calendar_token_ensure(owner=world.caregiver, kind=CalendarTokenKind.FACILITY)
    first = calendar_token_ensure(owner=world.caregiver, kind=CalendarTokenKind.CAREGIVER)
    again = calendar_token_ensure(owner=world.caregiver, kind=CalendarTokenKind.CAREGIVER)
    assert first.pk == again.pk
    assert len(first.token) >= 43


def test_pages_offer_the_calendar_links(world) -> None:
    booking = book(world)
    client = Client()
    client.force_login(world.caregiver)
    page = client.get(reverse("my-bookings")).content.decode()
    token = CalendarToken.objects.get(owner=world.caregiver, revoked_at__isnull=True).token
    assert reverse("booking-ics", args=[booking.pk]) in page
    assert f"/calendar/{token}.ics" in page
    assert reverse("calendar-feed-reset", args=["caregiver"]) in page

    staff = Client()
    staff.force_login(world.liaison)
    roster = staff.get(reverse("roster")).content.decode()
    token = CalendarToken.objects.get(owner=world.liaison, revoked_at__isnull=True).token
    assert f"/calendar/{token}.ics" in roster


def test_feed_speaks_the_language_its_owner_subscribed_in(world) -> None:
    from django.utils import translation

    with translation.override("es"):
        if translation.gettext("Visit with %(name)s") == "Visit with %(name)s":
            pytest.skip("no Spanish catalogue compiled")
    book(world)
    token = calendar_token_ensure(owner=world.caregiver, kind=CalendarTokenKind.CAREGIVER,
                                  language="es")
    body = fetch(reverse("calendar-feed", args=[token.token])).content.decode()
    assert "Visita con Maria" in body
    assert "Visit with" not in body


@pytest.mark.django_db(transaction=True)
def test_many_first_views_at_once_make_one_live_token(world) -> None:
    """Ten page views at the same moment (a reload storm) must not trip the unique
    constraint into a 500: they wait on the owner's row and share one token."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    count = 10
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def view(i: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[i] = calendar_token_ensure(owner=world.caregiver,
                                               kind=CalendarTokenKind.CAREGIVER).token
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=view, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(set(results)) == 1, results
    assert CalendarToken.objects.filter(owner=world.caregiver, revoked_at__isnull=True).count() == 1
