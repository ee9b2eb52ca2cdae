"""What transport tells people, as events in the caller's transaction (the outbox).

Families hear their pickup times (only when they change), drivers that their trip changed,
coordinators how planning goes. Events carry ids and counts, never a prison ID or a child's
name: a driver's event names no rider at all, her page shows first names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_noop

from notifications.live import push_after_commit
from notifications.preferences import preference_of
from notifications.services import Notice, event_emit, notices_emit
from notifications.text import Text, count, lines, moment, ngettext_noop, term
from notifications.text import day as on_day
from transport.models import (
    REASON_TEXT,
    Coordinator,
    Driver,
    Leg,
    PlanRun,
    Program,
    RideRequest,
    RideStatus,
    Stop,
    StopKind,
    Trip,
)
from transport.programs import program_of_facility


def coordinators(program_id: int | None) -> list[AbstractBaseUser]:
    """One program's coordinators (None: the unnamed program's): nobody hears of another
    program's rides or plans."""
    return [c.user for c in Coordinator.objects.filter(program_id=program_id)
            .select_related("user")]


def _ride_program(ride_request_id: int | None) -> int | None:
    ride = RideRequest.objects.filter(pk=ride_request_id).values_list(
        "booking__session__facility_id", flat=True).first()
    return program_of_facility(ride) if ride is not None else None


# --- families ---------------------------------------------------------------------------


def _pickups(request: RideRequest) -> dict[str, Stop]:
    stops = Stop.objects.filter(request=request, kind=StopKind.PICKUP)
    return {stop.leg: stop for stop in stops}


RIDE_BODIES = {
    (True, False): gettext_noop("Pickup at %(time)s at %(place)s."),
    (False, True): gettext_noop("The ride home leaves at %(return_time)s from %(facility)s."),
    (True, True): gettext_noop("Pickup at %(time)s at %(place)s. "
                               "The ride home leaves at %(return_time)s from %(facility)s."),
}


def _ride_message(request: RideRequest, pickups: dict[str, Stop]) -> tuple[Text, Text | str]:
    """Title and body as msgids with their values, so each reading (inbox, email, a change of
    language) words them again, days and times included, on the facility's clock."""
    facility = request.booking.session.facility
    zone = facility.time_zone
    params: dict[str, Any] = {"day": moment(request.booking.session.starts_at, zone, "day"),
                              "place": request.pickup_label, "facility": facility.name}
    if Leg.OUTBOUND in pickups:
        params["time"] = moment(pickups[Leg.OUTBOUND].planned_at, zone, "time")
    if Leg.RETURN in pickups:
        params["return_time"] = moment(pickups[Leg.RETURN].planned_at, zone, "time")
    if request.status == RideStatus.UNSERVED:
        title = Text(gettext_noop("Your ride on %(day)s is not planned yet"), params)
        return title, Text(REASON_TEXT[request.unserved_reason])
    body = RIDE_BODIES.get((Leg.OUTBOUND in pickups, Leg.RETURN in pickups), "")
    return (Text(gettext_noop("Your ride on %(day)s is planned"), params),
            Text(body, params) if body else "")


def _tell_family(request: RideRequest, pickups: dict[str, Stop]) -> None:
    caregiver = request.booking.household.caregiver
    title, body = _ride_message(request, pickups)
    event_emit(
        type="transport.ride.planned" if request.status == RideStatus.PLANNED
        else "transport.ride.unserved",
        title=title, body=body, recipients=[caregiver],
        data={"ride_request_id": request.pk, "booking_id": request.booking_id},
    )


def families_of_planned_rides(requests: Iterable[RideRequest]) -> int:
    """Tell each family whose pickup times changed (or whose ride fell through); count them."""
    told = 0
    for stale in requests:
        request = RideRequest.objects.select_related(
            "booking__session__facility", "booking__household__caregiver").get(pk=stale.pk)
        pickups = _pickups(request)
        outbound = pickups.get(Leg.OUTBOUND)
        back = pickups.get(Leg.RETURN)
        now_told = (outbound.planned_at if outbound else None, back.planned_at if back else None)
        fell_through = (request.status == RideStatus.UNSERVED
                        and stale.status != RideStatus.UNSERVED)
        if now_told == (request.told_outbound_at, request.told_return_at) and not fell_through:
            continue
        _tell_family(request, pickups)
        RideRequest.objects.filter(pk=request.pk).update(
            told_outbound_at=now_told[0], told_return_at=now_told[1])
        told += 1
    return told


# --- drivers ----------------------------------------------------------------------------


def trip_signatures(trips: Iterable[Trip]) -> dict[int, tuple]:
    """Per driver, what her trip looks like: changed signature, changed trip."""
    return {
        trip.driver_id: tuple(
            (s.request_id, s.leg, s.kind, s.planned_at)
            for s in Stop.objects.filter(trip=trip).order_by("position"))
        for trip in trips
    }


def drivers_of_changed_trips(day: dt.date, before: dict[int, tuple], after: list[Trip]) -> None:
    now = trip_signatures(after)
    changed = {d for d in set(before) | set(now) if before.get(d) != now.get(d)}
    trips = {t.driver_id: t for t in after}
    for driver_id in sorted(changed):
        trip = trips.get(driver_id)
        user = (trip.driver if trip else Driver.objects.get(pk=driver_id)).user
        if trip is None or not now.get(driver_id):
            title = Text(gettext_noop("Your trip on %(day)s is off"), {"day": on_day(day)})
        else:
            title = Text(gettext_noop("Your trip on %(day)s has changed"), {"day": on_day(day)})
        event_emit(type="transport.trip.changed", title=title, recipients=[user],
                   data={"day": day.isoformat(), "trip_id": trip.pk if trip else None})


def rides_off_with_booking(*, day: dt.date, requests: list[RideRequest],
                           trips: list[Trip]) -> None:
    """A released booking took its rides with it: the family hears its ride is off, each
    driver whose trip lost stops that it changed, the coordinators' boards refresh."""
    when = day.isoformat()
    family = requests[0].booking.household.caregiver
    event_emit(type="transport.ride.cancelled",
               title=Text(gettext_noop("Your ride on %(day)s is off"), {"day": on_day(day)}),
               body=Text(gettext_noop("The visit was cancelled, so the ride is too.")),
               recipients=[family], urgent=True,
               data={"day": when, "ride_request_ids": [r.pk for r in requests]})
    for trip in trips:
        event_emit(type="transport.trip.changed",
                   title=Text(gettext_noop("Your trip on %(day)s has changed"),
                              {"day": on_day(day)}),
                   body=Text(gettext_noop("A family's visit was cancelled; their stops are "
                                          "off your trip.")),
                   recipients=[trip.driver.user], urgent=True,
                   data={"day": when, "trip_id": trip.pk})
    for request in requests:
        board_changed(day=day, what="ride.cancelled", ride_request_id=request.pk)


# Why a moved visit takes no ride (keys: `rides_follow.NO_RIDE_*`), as msgids.
NO_RIDE_AFTER_MOVE = {
    "video": gettext_noop("Your visit moved to a video call, which needs no ride, so your ride "
                          "request is cancelled."),
    "other_program": gettext_noop("Your visit moved to %(facility)s, where our ride program "
                                  "does not drive families, so your ride request is "
                                  "cancelled."),
}


def _drivers_lose_stops(trips: list[Trip], body: Text) -> None:
    for trip in trips:
        event_emit(type="transport.trip.changed",
                   title=Text(gettext_noop("Your trip on %(day)s has changed"),
                              {"day": on_day(trip.day)}),
                   body=body, recipients=[trip.driver.user], urgent=True,
                   data={"day": trip.day.isoformat(), "trip_id": trip.pk})


DRIVER_MOVED_BODY = gettext_noop("A family's visit moved to another time; their stops are off "
                                 "your trip.")


def rides_off_with_move(*, day: dt.date, requests: list[RideRequest], trips: list[Trip],
                        reason: str, new: Any, told_a_time: dict[int, bool]) -> None:
    """A family moved her visit to one no ride can serve (`reason`): she hears her ride is
    off and exactly why (urgent only if she had a pickup time to forget); each driver whose
    trip lost her stops, that it changed; the coordinators' boards refresh."""
    family = requests[0].booking.household.caregiver
    event_emit(type="transport.ride.cancelled",
               title=Text(gettext_noop("Your ride on %(day)s is off"), {"day": on_day(day)}),
               body=Text(NO_RIDE_AFTER_MOVE[reason], {"facility": new.session.facility.name}),
               recipients=[family], urgent=any(told_a_time.get(r.pk) for r in requests),
               data={"day": day.isoformat(), "ride_request_ids": [r.pk for r in requests],
                     "booking_id": new.pk})
    _drivers_lose_stops(trips, Text(DRIVER_MOVED_BODY))
    for request in requests:
        board_changed(day=day, what="ride.cancelled", ride_request_id=request.pk)


def rides_moved_with_booking(*, old_day: dt.date, new_day: dt.date,
                             requests: list[RideRequest], trips: list[Trip],
                             told_a_time: dict[int, bool]) -> None:
    """A family moved her visit and her ride moved with it, to be planned again for the new
    day (`requests` read after the move): she hears so in plain words, urgently only if she
    had been told a pickup time that no longer holds; each driver whose trip lost her stops
    hears it changed; the coordinators hear the ride left one day for another."""
    _drivers_lose_stops(trips, Text(DRIVER_MOVED_BODY))
    for request in requests:
        _tell_family_ride_moved(request, told_a_time=told_a_time.get(request.pk, False))
        event_emit(type="transport.ride.moved",
                   title=Text(gettext_noop("A ride moved from %(old_day)s to %(day)s"),
                              {"old_day": on_day(old_day), "day": on_day(new_day)}),
                   recipients=coordinators(_ride_program(request.pk)),
                   data={"day": new_day.isoformat(), "old_day": old_day.isoformat(),
                         "ride_request_id": request.pk, "at": timezone.now().isoformat()})


def _tell_family_ride_moved(request: RideRequest, *, told_a_time: bool) -> None:
    """Her ride moved with her visit and waits to be planned for the new day. Urgent if she
    had been told a pickup time (she may set out for it); else told without waking her."""
    facility = request.booking.session.facility
    params = {"day": moment(request.booking.session.starts_at, facility.time_zone, "day"),
              "place": request.pickup_label}
    body = (gettext_noop("It will be planned again for the new time of your visit, from "
                         "%(place)s. The pickup time you were given no longer holds: you will "
                         "hear the new one when your ride is planned.") if told_a_time else
            gettext_noop("It will be planned again for the new time of your visit, from "
                         "%(place)s. You will hear the pickup time when your ride is planned."))
    event_emit(type="transport.ride.replanning",
               title=Text(gettext_noop("Your ride moved with your visit to %(day)s"), params),
               body=Text(body, params), recipients=[request.booking.household.caregiver],
               urgent=told_a_time,
               data={"ride_request_id": request.pk, "booking_id": request.booking_id})


# --- coordinators -----------------------------------------------------------------------


PLAN_TITLES = {
    "started": gettext_noop("Planning rides for %(day)s: %(legs)s, %(drivers)s"),
    "finished": gettext_noop("Rides for %(day)s planned: %(planned)s, %(unserved)s"),
    "unserved": gettext_noop("Rides for %(day)s: %(count)s"),
    "failed": gettext_noop("Planning rides for %(day)s failed"),
}
# A message names at most this many rides; the board lists them all.
UNSERVED_NAMED = 20


def _language(user: AbstractBaseUser) -> str:
    return preference_of(user).language


def _plan_params(run: PlanRun) -> dict[str, Any]:
    return {
        "day": on_day(run.day),
        "legs": count(ngettext_noop("%(n)d leg", "%(n)d legs"), run.requests_count),
        "drivers": count(ngettext_noop("%(n)d driver", "%(n)d drivers"), run.drivers_count),
        "planned": count(ngettext_noop("%(n)d ride planned", "%(n)d rides planned"),
                         run.planned_count),
        "unserved": count(ngettext_noop("%(n)d leg not", "%(n)d legs not"), run.unserved_count),
    }


def _plan_data(run: PlanRun) -> dict[str, Any]:
    return {"plan_run_id": run.pk, "day": run.day.isoformat(), "status": run.status,
            "facility_id": run.facility_id}


def plan_progress(run: PlanRun, kind: str) -> None:
    """Planning started, or finished with every ride planned: routine, so open boards refresh
    live and nobody's inbox fills (re-plans are many; the one that matters must not drown)."""
    title = Text(PLAN_TITLES[kind], _plan_params(run)).render()
    push_after_commit(event_id=0, event_type=f"transport.plan.{kind}",
                      data={**_plan_data(run), "title": title},
                      user_ids=sorted(c.pk for c in coordinators(run.program_id)))


def plan_failed(run: PlanRun) -> None:
    """A run that failed needs a person: one urgent message to every coordinator."""
    event_emit(type="transport.plan.failed", title=Text(PLAN_TITLES["failed"], _plan_params(run)),
               body=run.error, recipients=coordinators(run.program_id), urgent=True,
               data=_plan_data(run))


def plan_unserved(run: PlanRun, requests: list[RideRequest]) -> None:
    """One message per run that left rides out, naming each with its reason, to every
    coordinator in her own language (the reasons are words, not codes)."""
    readers = coordinators(run.program_id)
    languages = {user.pk: _language(user) for user in readers}
    # The verb agrees with the count in Spanish ("1 viaje no se pudo"), so it is counted too.
    params = {"day": on_day(run.day),
              "count": count(ngettext_noop("%(n)d ride could not be planned",
                                           "%(n)d rides could not be planned"), len(requests))}
    data = {**_plan_data(run), "ride_request_ids": [r.pk for r in requests]}
    body = _unserved_body(requests)
    notices = [Notice(user_id=user.pk, type="transport.plan.unserved",
                      title=Text(PLAN_TITLES["unserved"], params), body=body, data=data)
               for user in readers]
    notices_emit(notices, languages=languages)
    push_after_commit(event_id=0, event_type="transport.plan.finished",
                      data={**_plan_data(run), "title": Text(PLAN_TITLES["finished"],
                                                             _plan_params(run)).render()},
                      user_ids=sorted(languages))


def _unserved_body(requests: list[RideRequest]) -> Text:
    """A line per ride: whose, which visit, from where, and why; worded when read."""
    parts = []
    for request in requests[:UNSERVED_NAMED]:
        session = request.booking.session
        parts.append(Text(gettext_noop(
            "%(household)s, visit at %(time)s at %(facility)s, from %(place)s: %(reason)s"), {
            "household": request.booking.household.name,
            "time": moment(session.starts_at, session.facility.time_zone, "time"),
            "facility": session.facility.name, "place": request.pickup_label,
            "reason": term(REASON_TEXT.get(request.unserved_reason, REASON_TEXT["no_room"]))}))
    if len(requests) > UNSERVED_NAMED:
        parts.append(Text(gettext_noop("and %(count)d more on the board."),
                          {"count": len(requests) - UNSERVED_NAMED}))
    return lines(parts)


def board_changed(*, day: dt.date, what: str, ride_request_id: int | None = None) -> None:
    """Something on the day's board changed (a ride asked for or cancelled, a stop done)."""
    titles = {
        "ride.created": gettext_noop("A ride was asked for on %(day)s"),
        "ride.cancelled": gettext_noop("A ride on %(day)s was cancelled"),
        "ride.pinned": gettext_noop("A ride on %(day)s was pinned to a trip"),
        "ride.pinned_driver": gettext_noop("A ride on %(day)s was pinned to a driver"),
    }
    event_emit(type=f"transport.{what}", title=Text(titles[what], {"day": on_day(day)}),
               recipients=coordinators(_ride_program(ride_request_id)),
               data={"day": day.isoformat(), "ride_request_id": ride_request_id,
                     "at": timezone.now().isoformat()})


def stop_updated(*, day: dt.date, stop: Stop, program_id: int | None) -> None:
    """A driver marked a stop: refresh coordinators' boards live, without an inbox message
    each (a day has dozens of stops); a board opened later reads the state anyway."""
    push_after_commit(
        event_id=0, event_type="transport.stop.updated",
        data={"day": day.isoformat(), "stop_id": stop.pk, "status": stop.status},
        user_ids=sorted(c.pk for c in coordinators(program_id)),
    )


def facility_moved(*, facility_id: int, old_program_id: int | None,
                   new_program_id: int | None, requests: list[RideRequest],
                   trips: list[Trip]) -> None:
    """A facility changed program: both programs' coordinators hear how many of its rides
    wait to be planned again; each driver whose trip lost its stops hears her trip changed;
    each family hears her ride will be planned again."""
    from visits.models import Facility

    facility = Facility.objects.get(pk=facility_id)
    new_name = Program.objects.filter(pk=new_program_id or 0).values_list(
        "name", flat=True).first()
    title = Text(gettext_noop("Rides to %(facility)s now belong to %(program)s"),
                 {"facility": facility.name, "program": new_name}) if new_name else \
        Text(gettext_noop("Rides to %(facility)s now belong to no program"),
             {"facility": facility.name})
    body = Text(gettext_noop("Rides not yet done, waiting to be planned again: %(rides)s."),
                {"rides": count(ngettext_noop("%(n)d ride", "%(n)d rides"), len(requests))})
    recipients = {u.pk: u for p in (old_program_id, new_program_id) for u in coordinators(p)}
    event_emit(type="transport.facility.moved", title=title, body=body,
               recipients=list(recipients.values()),
               data={"facility_id": facility_id, "old_program_id": old_program_id,
                     "new_program_id": new_program_id,
                     "ride_request_ids": [r.pk for r in requests]})
    for trip in trips:
        event_emit(type="transport.trip.changed",
                   title=Text(gettext_noop("Your trip on %(day)s has changed"),
                              {"day": on_day(trip.day)}),
                   body=Text(gettext_noop("Another program now drives some of its families; "
                                          "their stops are off your trip.")),
                   recipients=[trip.driver.user], urgent=True,
                   data={"day": trip.day.isoformat(), "trip_id": trip.pk})
    for request in requests:
        _tell_family_ride_replanned(request, new_program=new_name)


def _tell_family_ride_replanned(request: RideRequest, *, new_program: str | None) -> None:
    """A family whose ride went back to waiting when its facility changed program: a pickup
    time she was told no longer holds. Urgent for her (she may be about to set out at that
    time); a family still waiting to hear a time is told without waking her."""
    facility = request.booking.session.facility
    params = {"day": moment(request.booking.session.starts_at, facility.time_zone, "day"),
              "facility": facility.name, "program": new_program or ""}
    body = (gettext_noop("%(program)s now drives families to %(facility)s. Any pickup time you "
                         "were given no longer holds: you will hear the new one when your "
                         "ride is planned.") if new_program else
            gettext_noop("No ride program drives families to %(facility)s for now. Any pickup "
                         "time you were given no longer holds: you will hear from us when a "
                         "program plans your ride."))
    was_told_a_time = request.told_outbound_at is not None or request.told_return_at is not None
    event_emit(type="transport.ride.replanning",
               title=Text(gettext_noop("Your ride on %(day)s will be planned again"), params),
               body=Text(body, params), recipients=[request.booking.household.caregiver],
               urgent=was_told_a_time,
               data={"ride_request_id": request.pk, "booking_id": request.booking_id})


# --- a driver leaves the program ------------------------------------------------------------


def driver_left(*, driver: Driver, rides: list[RideRequest], unpinned: list[RideRequest],
                her_trips: list[Trip], other_trips: list[Trip]) -> None:
    """A driver left the program (`rides_follow_driver`): she hears each trip of hers to come
    is off; a driver whose trip carried one of her families hears his trip changed; each
    family whose ride came off hears it will be planned again; the program's coordinators
    hear how many rides wait, and their boards refresh. Nothing of hers to come: no message."""
    for trip in her_trips:
        event_emit(type="transport.trip.changed",
                   title=Text(gettext_noop("Your trip on %(day)s is off"),
                              {"day": on_day(trip.day)}),
                   body=Text(gettext_noop("You no longer drive for the ride program, so you "
                                          "need not drive this trip. Thank you for your "
                                          "help.")),
                   recipients=[driver.user], urgent=True,
                   data={"day": trip.day.isoformat(), "trip_id": trip.pk})
    _drivers_lose_stops(other_trips, Text(gettext_noop(
        "A driver left the program; the families you shared with her are off your trip "
        "until the day is planned again.")))
    for request in rides:
        _tell_family_driver_left(request)
    if rides or unpinned or her_trips:
        _tell_coordinators_driver_left(driver, rides, unpinned, her_trips + other_trips)


def _tell_family_driver_left(request: RideRequest) -> None:
    """Her ride lost its driver and waits to be planned again. Urgent if she had been told a
    pickup time (she may set out for it); else told without waking her. The driver is not
    named: a family hears who drives her from the plan, not who left."""
    facility = request.booking.session.facility
    params = {"day": moment(request.booking.session.starts_at, facility.time_zone, "day")}
    told_a_time = request.told_outbound_at is not None or request.told_return_at is not None
    body = (gettext_noop("The driver planned for your ride can no longer drive it. The pickup "
                         "time you were given no longer holds: you will hear the new one when "
                         "your ride is planned.") if told_a_time else
            gettext_noop("The driver planned for your ride can no longer drive it. You will "
                         "hear the pickup time when your ride is planned."))
    event_emit(type="transport.ride.replanning",
               title=Text(gettext_noop("Your ride on %(day)s will be planned again"), params),
               body=Text(body), recipients=[request.booking.household.caregiver],
               urgent=told_a_time,
               data={"ride_request_id": request.pk, "booking_id": request.booking_id})


def _tell_coordinators_driver_left(driver: Driver, rides: list[RideRequest],
                                   unpinned: list[RideRequest], trips: list[Trip]) -> None:
    name = driver.user.get_full_name() or driver.user.get_username()
    event_emit(type="transport.driver.removed",
               title=Text(gettext_noop("%(driver)s no longer drives for the program"),
                          {"driver": name}),
               body=Text(gettext_noop("Rides taken off her trips, waiting to be planned "
                                      "again: %(rides)s."),
                         {"rides": count(ngettext_noop("%(n)d ride", "%(n)d rides"),
                                         len(rides))}),
               recipients=coordinators(driver.program_id),
               data={"driver_id": driver.pk, "ride_request_ids": [r.pk for r in rides],
                     "unpinned_ride_request_ids": [r.pk for r in unpinned],
                     "days": sorted({t.day.isoformat() for t in trips})})
