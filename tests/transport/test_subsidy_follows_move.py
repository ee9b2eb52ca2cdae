"""The travel fund's help follows a moved visit: a family who moves her visit to another time
keeps the help granted for it, to the cent, on the new visit (no money moves); a move to a
video call, or to a facility the fund's program does not serve, releases it back to the fund
with that reason; a refused move leaves it where it was. Whichever of the two `booking_moved`
receivers (her ride, her help) runs first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.dateformat import format as date_format

from notifications.links import link_of
from notifications.models import Delivery, Event
from notifications.text import render_stored
from scheduler.errors import Conflict, RuleViolation
from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from tests.transport.conftest import DANVILLE, Rides, TripSetup
from transport.fund import subsidies
from transport.fund.follow import subsidies_follow_move
from transport.fund.ledger import balances_by_earmark, fund_balance, fund_default
from transport.fund.models import LedgerEntry, Subsidy, SubsidyStatus
from transport.fund.subsidies import subsidy_grant, visit_month
from transport.models import Program, ProgramFacility, RideRequest, RideStatus
from transport.rides_follow import rides_follow_move
from visits import services
from visits.models import Booking, BookingStatus, Session, VisitKind
from visits.services.reschedule import move_notes
from visits.signals import booking_moved

pytestmark = pytest.mark.django_db

VIDEO_REASON = "The visit moved to a video call, which needs no travel."
PROGRAM_REASON = "The visit moved to a time at a facility this program does not serve."
RECEIVERS = {"ride": (rides_follow_move, "transport.rides_follow_move"),
             "fund": (subsidies_follow_move, "fund.subsidies_follow_move")}


def _connect(order: list[str]) -> None:
    for _receiver, uid in RECEIVERS.values():
        booking_moved.disconnect(dispatch_uid=uid)
    for name in order:
        receiver, uid = RECEIVERS[name]
        booking_moved.connect(receiver, dispatch_uid=uid)


@pytest.fixture(params=[["ride", "fund"], ["fund", "ride"]], ids=["ride-first", "fund-first"])
def receiver_order(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """The two receivers of a move in either order (the apps' order connects the ride's
    first); put back as the apps left them."""
    _connect(request.param)
    try:
        yield request.param
    finally:
        _connect(["ride", "fund"])


def grant(world: World, booking: Booking, **kw: Any) -> Subsidy:
    values = {"kind": "bus_fare", "amount_cents": 1500, **kw}
    return subsidy_grant(actor=world.coordinator, booking_id=booking.pk, **values)


def next_day(rides: Rides, *, kind: str = VisitKind.IN_PERSON, **kw: Any) -> Session:
    """A session the day after the rides day, 13:00 facility time (a video call if asked)."""
    start = dt.datetime.combine(rides.day + dt.timedelta(days=1), dt.time(13), tzinfo=rides.tz)
    rule = rides.world.rule if kind == VisitKind.IN_PERSON else f.make_rule(
        rides.world.facility, kind=kind)
    return f.make_session(rule, starts_at=start, minutes=60, **kw)


def move(world: World, booking: Booking, session: Session, visitors: list | None = None,
         ) -> Booking:
    return services.booking_reschedule(
        actor=world.caregiver, booking_id=booking.pk, session_id=session.pk,
        visitor_ids=[v.pk for v in (visitors or world.family)]).booking


def ledger() -> list[dict[str, Any]]:
    return list(LedgerEntry.objects.order_by("pk").values())


def events_for(user: Any, event_type: str) -> list[Event]:
    return [d.event for d in Delivery.objects.filter(user=user, event__type=event_type)
            .select_related("event").order_by("pk")]


def page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def card_of(report: str, subsidy: Subsidy) -> str:
    """The report's card of one grant."""
    return report.split(f'id="subsidy-{subsidy.pk}"', 1)[1].split('<div class="card', 1)[0]


def month_day(session: Session) -> str:
    return date_format(session.starts_at.astimezone(session.facility.tz), "M j")


def test_a_moved_visit_keeps_its_help_to_the_cent_and_no_money_moves(
        world: World, rides: Rides, two_trips: TripSetup, receiver_order: list[str]) -> None:
    fund = fund_default()
    donate(1000, earmark_id=world.facility.pk)  # kept for Lakeview's families: spent first
    donate(5000)
    old = two_trips.request.booking
    seat = grant(world, old, kind="ride_seat", amount_cents=1200)
    fare = grant(world, old, kind="bus_fare", amount_cents=1850)
    entries, buckets = ledger(), balances_by_earmark(fund)
    assert fund_balance(fund) == 6000 - 3050

    new = move(world, old, next_day(rides))

    seat.refresh_from_db()
    fare.refresh_from_db()
    assert (seat.booking_id, fare.booking_id) == (new.pk, new.pk)
    assert (seat.status, fare.status) == (SubsidyStatus.GRANTED, SubsidyStatus.GRANTED)
    assert (seat.amount_cents, fare.amount_cents) == (1200, 1850)
    assert seat.visit_month == fare.visit_month == visit_month(new)
    # Not a cent moved: the same entries, the same buckets, the same balance.
    assert ledger() == entries
    assert balances_by_earmark(fund) == buckets and fund_balance(fund) == 6000 - 3050
    assert sum(e.amount_cents for e in LedgerEntry.objects.filter(subsidy=fare)) == -1850
    # The old, cancelled visit holds nothing; the seat is on the same ride, now the new visit's.
    assert Booking.objects.get(pk=old.pk).status == BookingStatus.CANCELLED
    assert not Subsidy.objects.filter(booking=old).exists()
    ride = RideRequest.objects.get(pk=two_trips.request.pk)
    assert seat.ride_request_id == ride.pk and ride.booking_id == new.pk
    assert ride.status == RideStatus.OPEN

    # She hears her help moved with her visit, and the message opens the new visit.
    [told] = events_for(world.caregiver, "fund.subsidy.moved")
    assert told.title == "Your travel help moved with your visit"
    assert told.body.startswith("The travel fund still pays 30.50 USD for your trip to your "
                                "visit on ")
    assert told.data == {"booking_id": new.pk, "subsidy_ids": [seat.pk, fare.pk]}
    assert link_of(told.type, told.data, world.caregiver) == f"/bookings/#booking-{new.pk}"
    assert not events_for(world.caregiver, "fund.subsidy.released")
    assert not Event.objects.filter(type="fund.grant.released").exists()


def test_coordinators_and_the_family_see_the_help_on_the_new_visit(
        world: World, rides: Rides, two_trips: TripSetup) -> None:
    donate(5000)
    old = two_trips.request.booking
    seat = grant(world, old, kind="ride_seat", amount_cents=1200)
    target = next_day(rides)
    # Before she moves: the move pages say the help goes with her visit.
    note = page(world.caregiver, f"/bookings/{old.pk}/move/{target.pk}/")
    assert "The 12.00 USD the travel fund pays for your trip moves with your visit." in note

    new = move(world, old, target)

    card = card_of(page(world.coordinator, "/fund/subsidies/"), seat)
    assert month_day(target) in card and month_day(rides.session) not in card
    assert "released" not in card and "reversed" not in card
    seat_line = "The travel fund pays this ride's seat: 12.00 USD"
    new_day = target.starts_at.astimezone(rides.tz).date()
    assert seat_line in page(world.coordinator, f"/rides/board/?date={new_day}")
    assert seat_line not in page(world.coordinator, f"/rides/board/?date={rides.day}")
    assert ("The travel fund pays 12.00 USD for your trip to this visit. This help moves with "
            "your visit.") in page(world.caregiver, f"/bookings/{new.pk}/move/")


def test_a_move_to_a_video_call_releases_the_help_with_the_reason(
        world: World, rides: Rides, two_trips: TripSetup, receiver_order: list[str]) -> None:
    fund = fund_default()
    donate(1000, earmark_id=world.facility.pk)
    donate(5000)
    before_grants = balances_by_earmark(fund)
    old = two_trips.request.booking
    seat = grant(world, old, kind="ride_seat", amount_cents=1200)  # all from Lakeview's 1000...
    fare = grant(world, old, kind="bus_fare", amount_cents=1850)  # ...and the general pot
    granted_entries = ledger()
    call = next_day(rides, kind=VisitKind.VIDEO)
    # The move pages offer the same kind of visit only; the service (the API) moves to any.
    assert ("The new time is a video call, which needs no travel: the travel fund will no "
            "longer pay 30.50 USD for your trip.") in move_notes(old, call)

    new = move(world, old, call)

    for subsidy in (seat, fare):
        subsidy.refresh_from_db()
        assert subsidy.status == SubsidyStatus.RELEASED
        assert subsidy.release_reason == VIDEO_REASON
        assert sum(e.amount_cents for e in LedgerEntry.objects.filter(subsidy=subsidy)) == 0
    # Every cent back in the bucket it came from, by new entries (none edited).
    assert ledger()[:len(granted_entries)] == granted_entries
    back = LedgerEntry.objects.filter(kind="reversal").order_by("pk")
    assert [(e.amount_cents, e.earmark_id, e.memo) for e in back] == [
        (1000, world.facility.pk, VIDEO_REASON), (200, None, VIDEO_REASON),
        (1850, None, VIDEO_REASON)]
    assert balances_by_earmark(fund) == before_grants and fund_balance(fund) == 6000
    # Neither visit holds help; her ride is off too (the ride's receiver did that).
    assert not Subsidy.objects.filter(status=SubsidyStatus.GRANTED).exists()
    assert RideRequest.objects.get(pk=two_trips.request.pk).status == RideStatus.CANCELLED

    [told] = events_for(world.caregiver, "fund.subsidy.released")
    assert told.body == ("Your visit moved to a video call, which needs no travel, so the "
                         "travel fund no longer pays 30.50 USD for your trip.")
    assert told.data["booking_id"] == new.pk
    assert not events_for(world.caregiver, "fund.subsidy.moved")
    [staff] = events_for(world.coordinator, "fund.grant.released")
    assert staff.title == "Travel help released: 30.50 USD back in the fund"
    assert staff.body == VIDEO_REASON
    assert link_of(staff.type, staff.data, world.coordinator) == (
        f"/fund/subsidies/#subsidy-{seat.pk}")
    assert not Delivery.objects.filter(event=staff, user=world.caregiver).exists()
    card = card_of(page(world.coordinator, "/fund/subsidies/"), fare)
    assert "released" in card and VIDEO_REASON in card


def test_help_is_released_where_the_program_no_longer_serves_the_facility(
        world: World, rides: Rides, family_booking: Booking) -> None:
    """Lakeview went over to another program after the grant: the unnamed program's fund
    does not pay for a visit moved there (its ride goes to the other program)."""
    donate(5000)
    fare = grant(world, family_booking, amount_cents=1500)
    ProgramFacility.objects.create(program=Program.objects.create(name="Lakeview Rides"),
                                   facility=world.facility)

    move(world, family_booking, next_day(rides))

    fare.refresh_from_db()
    assert (fare.status, fare.release_reason) == (SubsidyStatus.RELEASED, PROGRAM_REASON)
    assert fund_balance(fund_default()) == 5000
    [told] = events_for(world.caregiver, "fund.subsidy.released")
    assert told.body == ("Our travel fund does not pay for trips to Lakeview, so it no longer "
                         "pays 15.00 USD for your trip to your visit.")


@pytest.mark.parametrize("refusal", ["full", "rule"])
def test_a_refused_move_leaves_the_help_where_it_was(
        world: World, rides: Rides, two_trips: TripSetup, refusal: str) -> None:
    donate(5000)
    old = two_trips.request.booking
    grant(world, old, kind="ride_seat", amount_cents=1200)
    grant(world, old, kind="bus_fare", amount_cents=1850)
    target = next_day(rides, capacity=1)
    visitors = world.family
    if refusal == "full":
        f.fill(target, world.facility, 1)
    else:
        visitors = [world.sofia]  # a child may not come without an adult
    before = (list(Subsidy.objects.order_by("pk").values()), ledger(),
              Event.objects.filter(type__startswith="fund.").count())

    with pytest.raises((services.SessionFull, RuleViolation)):
        move(world, old, target, visitors=visitors)

    after = (list(Subsidy.objects.order_by("pk").values()), ledger(),
             Event.objects.filter(type__startswith="fund.").count())
    assert before == after
    assert set(Subsidy.objects.values_list("booking_id", "status")) == {
        (old.pk, SubsidyStatus.GRANTED)}


@pytest.mark.parametrize(("gifts", "buckets_after"), [
    # Danville's families' money pays first, then the general pot; Lakeview's comes back.
    ({"lakeview": 1000, "danville": 800, "general": 700},
     {"lakeview": 1000, "danville": 0, "general": 0}),
    # Nothing for Danville and nothing general: Lakeview's money stays where it was.
    ({"lakeview": 1000, "danville": 0, "general": 500},
     {"lakeview": 0, "danville": 0, "general": 0}),
])
def test_help_moved_to_another_facility_is_drawn_for_that_facilitys_families(
        world: World, rides: Rides, family_booking: Booking, gifts: dict[str, int],
        buckets_after: dict[str, int]) -> None:
    """Visits moves a visit within its facility today; should a move ever change it (the
    hook allows it), money a donor kept for the old facility's families goes back to them."""
    fund = fund_default()
    danville = rides.add_facility("Danville", DANVILLE, hour=13)
    elsewhere = rides.add_family_at("Nora", danville)
    Booking.objects.filter(pk=elsewhere.pk).update(household=world.household)
    elsewhere.refresh_from_db()
    places = {"lakeview": world.facility.pk, "danville": danville.facility_id, "general": None}
    for place, cents in gifts.items():
        if cents:
            donate(cents, earmark_id=places[place])
    fare = grant(world, family_booking, amount_cents=1500)
    balance, entries = fund_balance(fund), ledger()

    booking_moved.send(sender=Booking, old=family_booking, new=elsewhere, actor=world.caregiver)

    fare.refresh_from_db()
    assert (fare.booking_id, fare.status, fare.amount_cents) == (
        elsewhere.pk, SubsidyStatus.GRANTED, 1500)
    assert sum(e.amount_cents for e in LedgerEntry.objects.filter(subsidy=fare)) == -1500
    assert fund_balance(fund) == balance
    assert ledger()[:len(entries)] == entries
    buckets = balances_by_earmark(fund)
    assert {place: buckets.get(pk, 0) for place, pk in places.items()} == buckets_after


def test_a_grant_racing_a_move_pays_nothing_for_the_old_visit(
        world: World, rides: Rides, family_booking: Booking, monkeypatch: Any) -> None:
    """The grant read the visit as booked, then the family moved it before the grant took
    the fund's lock (the move takes it too): the grant is refused under the lock, rather
    than paying for a visit that no longer happens, with nothing to carry it anywhere."""
    donate(5000)
    read_visit = subsidies._booking_for_subsidy

    def read_then_moved(booking_id: Any, program_id: int | None) -> Booking:
        booking = read_visit(booking_id, program_id)
        move(world, family_booking, next_day(rides))
        return booking

    monkeypatch.setattr(subsidies, "_booking_for_subsidy", read_then_moved)
    with pytest.raises(Conflict) as refused:
        grant(world, family_booking)
    assert "not going ahead" in refused.value.message
    assert not Subsidy.objects.exists()
    assert fund_balance(fund_default()) == 5000


def test_the_family_reads_her_help_in_spanish_in_usted(world: World, rides: Rides,
                                                        family_booking: Booking) -> None:
    donate(5000)
    grant(world, family_booking, amount_cents=1500)
    move(world, family_booking, next_day(rides))
    [granted] = events_for(world.caregiver, "fund.subsidy.granted")
    [moved] = events_for(world.caregiver, "fund.subsidy.moved")
    with translation.override("es"):
        assert render_stored(granted.i18n, "title", granted.title) == "Su viaje está pagado"
        assert render_stored(granted.i18n, "body", granted.body).startswith(
            "El fondo de viajes paga 15.00 USD (billete de autobús) para su visita del ")
        assert render_stored(moved.i18n, "title", moved.title) == (
            "Su ayuda de viaje se cambió con su visita")
        assert render_stored(moved.i18n, "body", moved.body).startswith(
            "El fondo de viajes sigue pagando 15.00 USD por su viaje a su visita del ")


# --- a visit with help granted will not happen ----------------------------------------------


def test_a_cancelled_visit_with_help_tells_the_coordinators_and_keeps_the_money_where_it_is(
        world: World, rides: Rides, two_trips: TripSetup) -> None:
    """The fare may already be in the family's hands: nothing is given back by itself, but
    the coordinators hear which grant it is, worded when read, and it opens the grant."""
    fund = fund_default()
    donate(5000)
    booking = two_trips.request.booking
    fare = grant(world, booking, kind="bus_fare", amount_cents=1850)
    entries = ledger()

    services.booking_cancel(actor=world.caregiver, booking_id=booking.pk)

    fare.refresh_from_db()
    assert fare.status == SubsidyStatus.GRANTED and ledger() == entries
    assert fund_balance(fund) == 5000 - 1850
    (told,) = events_for(world.coordinator, "fund.grant.visit_off")
    assert told.data["subsidy_ids"] == [fare.pk]
    assert link_of(told.type, told.data, world.coordinator).endswith(f"#subsidy-{fare.pk}")
    with translation.override("es"):
        title = render_stored(told.i18n, "title", told.title)
        body = render_stored(told.i18n, "body", told.body)
    assert "18.50 USD" in title and "no se hará" in title
    assert booking.household.name in body and "revierta" in body
    assert not events_for(world.caregiver, "fund.grant.visit_off")  # staff's, not hers


def test_a_moved_visit_is_not_told_as_one_that_will_not_happen(
        world: World, rides: Rides, two_trips: TripSetup) -> None:
    donate(5000)
    old = two_trips.request.booking
    grant(world, old)
    move(world, old, next_day(rides))
    assert not events_for(world.coordinator, "fund.grant.visit_off")
