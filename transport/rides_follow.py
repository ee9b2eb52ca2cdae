"""A ride follows its booking: when visits releases a booking (cancelled, declined, closed),
its ride requests are cancelled and their stops leave the drivers' trips, in the same
transaction; the drivers, the coordinators and the family are told. When the family moves
the visit to another time, the ride moves with it, to be planned again for the new day (or
is cancelled, with the reason, if no ride can serve the new visit). When a driver leaves the
program, her rides to come go back to waiting to be planned.

Subscribed to `visits.signals.booking_released` and `booking_moved` in
TransportConfig.ready(), and `ride_move_note` to the move pages: visits never imports
transport.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from transport import notify
from transport.models import (
    LIVE_RIDE_STATUSES,
    Driver,
    RideRequest,
    RideStatus,
    Stop,
    StopStatus,
    Trip,
    TripStatus,
)
from transport.planner import session_day
from transport.programs import program_of_facility
from transport.services import RIDE_BOOKING_STATUSES, default_earliest, party_of
from visits.models import Booking, Session, VisitKind
from visits.signals import release_is_move


def _live_rides_locked(booking_id: int) -> list[RideRequest]:
    """The booking's live ride requests, locked (a coordinator pinning or a planner writing
    waits, then sees them changed)."""
    return list(
        RideRequest.objects.select_for_update(of=("self",))
        .select_related("booking__session__facility", "booking__household__caregiver")
        .filter(booking_id=booking_id, status__in=LIVE_RIDE_STATUSES).order_by("pk")
    )


def _take_stops_off(requests: list[RideRequest]) -> list[Trip]:
    """Take the requests' planned stops off their trips; the trips that lost stops. A stop
    already picked up stays: the family is in the car."""
    trips = list(Trip.objects.filter(stops__request__in=requests, stops__status=StopStatus.PLANNED)
                 .select_related("driver__user").distinct().order_by("pk"))
    Stop.objects.filter(request__in=requests, status=StopStatus.PLANNED).delete()
    return trips


def _cancel(requests: list[RideRequest]) -> None:
    RideRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        status=RideStatus.CANCELLED, pinned_trip=None, updated_at=timezone.now())


def rides_follow_booking(sender: Any, *, booking: Booking, actor: AbstractBaseUser | None = None,
                         **kwargs: Any) -> None:
    """Cancel the released booking's live ride requests and take their planned stops off.

    A booking released as the first half of a move keeps its rides: `rides_follow_move`
    takes them to the new booking once it is made (or the whole move rolls back).
    """
    if release_is_move(booking.pk):
        return
    requests = _live_rides_locked(booking.pk)
    if not requests:
        return
    trips = _take_stops_off(requests)
    _cancel(requests)
    day = session_day(requests[0])
    notify.rides_off_with_booking(day=day, requests=requests, trips=trips)


# Why a ride cannot serve the visit it would move to (None: it can).
NO_RIDE_VIDEO = "video"
NO_RIDE_PROGRAM = "other_program"
NO_RIDE_VISIT_OFF = "visit_off"


def why_no_ride(old_session: Session, new: Booking | Session) -> str | None:
    """Whether a ride for a visit at `old_session` can move to `new` (a booking, or a
    session she is choosing): not to a video call, not to a facility another program (or no
    program of ours) drives to, not with a booking that holds no place."""
    session = new.session if isinstance(new, Booking) else new
    if isinstance(new, Booking) and new.status not in RIDE_BOOKING_STATUSES:
        return NO_RIDE_VISIT_OFF
    if session.kind != VisitKind.IN_PERSON:
        return NO_RIDE_VIDEO
    if session.facility_id != old_session.facility_id and (
            program_of_facility(session.facility_id)
            != program_of_facility(old_session.facility_id)):
        return NO_RIDE_PROGRAM
    return None


def rides_follow_move(sender: Any, *, old: Booking, new: Booking,
                      actor: AbstractBaseUser | None = None, **kwargs: Any) -> None:
    """The family moved her visit: her live ride request moves to the new booking, with the
    same pickup place, riders and needs, back to waiting to be planned for the new day (off
    the old day's trip, pins and told pickup times gone); the family, the drivers whose trips
    lost her stops and the coordinators are told. If no ride can serve the new visit (a video
    call, a facility our program does not drive to), the ride is cancelled instead and she
    is told why.

    Runs in the move's transaction, after the new booking is made; locks the requests.
    """
    requests = _live_rides_locked(old.pk)
    if not requests:
        return
    old_day = session_day(requests[0])
    told_a_time = {r.pk: r.told_outbound_at is not None or r.told_return_at is not None
                   for r in requests}
    under_way = Stop.objects.filter(request__in=requests).exclude(
        status=StopStatus.PLANNED).exists()
    trips = _take_stops_off(requests)
    reason = why_no_ride(requests[0].booking.session, new)
    if reason == NO_RIDE_VISIT_OFF or under_way:
        # The move answered with a booking that holds no place, or the family is already in
        # the car (a rule that lets a visit move on its day): as for a cancelled visit.
        _cancel(requests)
        notify.rides_off_with_booking(day=old_day, requests=requests, trips=trips)
        return
    if reason is not None:
        _cancel(requests)
        notify.rides_off_with_move(day=old_day, requests=requests, trips=trips, reason=reason,
                                   new=new, told_a_time=told_a_time)
        return
    adults, children = party_of(new)
    for request in requests:
        riders = _riders_for(request, adults=adults, children=children)
        RideRequest.objects.filter(pk=request.pk).update(
            booking=new, status=RideStatus.OPEN, pinned_trip=None, pinned_driver=None,
            unserved_reason="", unserved_detail="", told_outbound_at=None, told_return_at=None,
            earliest_pickup=_earliest_for(request, new), updated_at=timezone.now(), **riders)
    moved = list(RideRequest.objects.select_related(
        "booking__session__facility", "booking__household__caregiver")
        .filter(pk__in=[r.pk for r in requests]).order_by("pk"))
    notify.rides_moved_with_booking(old_day=old_day, new_day=session_day(moved[0]),
                                    requests=moved, trips=trips, told_a_time=told_a_time)


def _riders_for(request: RideRequest, *, adults: int, children: int) -> dict[str, int]:
    """The same riders and needs, as far as the people on the moved visit allow (she may
    have changed who comes: nobody rides to a visit they are not on)."""
    riding_adults = max(1, min(request.adults, adults))
    riding_children = max(0, min(request.children, children))
    return {"adults": riding_adults, "children": riding_children,
            "child_seats": min(request.child_seats, riding_children),
            "wheelchair_places": min(request.wheelchair_places,
                                     riding_adults + riding_children)}


def _earliest_for(request: RideRequest, new: Booking) -> dt.datetime:
    """Her earliest pickup for the new visit. One she never chose (the default, some hours
    before the visit) is the new visit's default; one she chose ("not before 9") is the same
    clock time on the new day if it still leaves time to check in, else the same time ahead
    of the visit as before."""
    old_session, new_session = request.booking.session, new.session
    lead = old_session.starts_at - request.earliest_pickup
    if request.earliest_pickup == default_earliest(request.booking):
        return default_earliest(new)
    old_local = request.earliest_pickup.astimezone(old_session.facility.tz)
    days = (new_session.starts_at.astimezone(new_session.facility.tz).date()
            - old_session.starts_at.astimezone(old_session.facility.tz).date())
    same_clock = dt.datetime.combine(old_local.date() + days, old_local.time(),
                                     tzinfo=new_session.facility.tz)
    latest = new_session.starts_at - dt.timedelta(minutes=settings.TRANSPORT_CHECK_IN_MINUTES)
    fits = ((not request.outbound or same_clock < latest)
            and latest - same_clock <= dt.timedelta(hours=20))
    return same_clock if fits else new_session.starts_at - lead


def ride_move_note(booking: Booking, session: Session | None) -> str | None:
    """What the move pages say of her ride, if she asked for one for this visit."""
    ride = RideRequest.objects.filter(booking_id=booking.pk,
                                      status__in=LIVE_RIDE_STATUSES).first()
    if ride is None:
        return None
    if session is None:
        return _("You asked for a ride to this visit. It moves with your visit and will be "
                 "planned again for the new time.")
    reason = why_no_ride(booking.session, session)
    if reason == NO_RIDE_VIDEO:
        return _("The new time is a video call, which needs no ride: your ride request will "
                 "be cancelled.")
    if reason == NO_RIDE_PROGRAM:
        return _("Our ride program does not drive families to %(facility)s: your ride "
                 "request will be cancelled.") % {"facility": session.facility.name}
    return _("Your ride moves with your visit, from the same pickup place (%(place)s). It "
             "will be planned again for the new time, and you will hear the new pickup time.") \
        % {"place": ride.pickup_label}


def rides_follow_facility(*, facility_id: int, old_program_id: int | None,
                          new_program_id: int | None) -> list[RideRequest]:
    """A facility moved to another program (or to none): its rides not yet done are unplanned
    (back to waiting, pins gone) so no driver of the old program keeps a stop of a family the
    new program now drives; the families, the drivers who lost stops and both programs'
    coordinators are told. Called in the caller's transaction; locks the requests.

    The pickup times a family was told are forgotten with the plan, so that the new plan's
    times reach her even where they happen to be the same: she was told the old ones no
    longer hold.

    A ride with a family already picked up stays as it is: they are in the car.
    """
    if old_program_id == new_program_id:
        return []
    under_way = Stop.objects.filter(
        status__in=[StopStatus.PICKED_UP, StopStatus.DROPPED_OFF]).values("request_id")
    requests = list(
        RideRequest.objects.select_for_update(of=("self",))
        .filter(booking__session__facility_id=facility_id, status__in=LIVE_RIDE_STATUSES,
                booking__session__ends_at__gt=timezone.now())
        .exclude(pk__in=under_way)
        .select_related("booking__session__facility", "booking__household__caregiver")
        .order_by("pk")
    )
    trips = list(Trip.objects.filter(stops__request__in=requests)
                 .select_related("driver__user").distinct().order_by("pk"))
    Stop.objects.filter(request__in=requests, status=StopStatus.PLANNED).delete()
    RideRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        status=RideStatus.OPEN, pinned_trip=None, pinned_driver=None, unserved_reason="",
        unserved_detail="", told_outbound_at=None, told_return_at=None,
        updated_at=timezone.now())
    notify.facility_moved(facility_id=facility_id, old_program_id=old_program_id,
                          new_program_id=new_program_id, requests=requests, trips=trips)
    return requests


# --- a driver leaves the program ------------------------------------------------------------


def _to_come_with(driver_id: int) -> Q:
    """Rides she still has to drive: a stop on a trip of hers, not made, at a time to come
    (a stop of a past day never marked is history, not a ride she owes anyone)."""
    stops = Stop.objects.filter(trip__driver_id=driver_id, status=StopStatus.PLANNED,
                                planned_at__gt=timezone.now())
    return Q(pk__in=stops.values("request_id"))


def _pinned_to(driver_id: int) -> Q:
    return Q(pinned_driver_id=driver_id) | Q(pinned_trip__driver_id=driver_id)


def _rides_of_driver(driver_id: int) -> QuerySet[RideRequest]:
    return RideRequest.objects.filter(_to_come_with(driver_id) | _pinned_to(driver_id),
                                      status__in=LIVE_RIDE_STATUSES)


def rides_of_driver_locked(driver_id: int) -> list[RideRequest]:
    """Her rides to come and the rides pinned to her, locked in primary-key order as the
    planner locks a day's rides before writing it (then its trips, then its drivers' rows):
    taking them in the same order, a removal and a plan wait for each other, never both."""
    return list(
        _rides_of_driver(driver_id).select_for_update(of=("self",))
        .select_related("booking__session__facility", "booking__household__caregiver")
        .order_by("pk")
    )


def rides_of_driver_still(driver_id: int, locked: list[RideRequest]) -> list[RideRequest] | None:
    """Read again once her row is locked: the locked rides that are still hers, or None if a
    plan that committed meanwhile gave her a ride that is not locked (try again)."""
    fresh = set(_rides_of_driver(driver_id).values_list("pk", flat=True))
    if not fresh <= {r.pk for r in locked}:
        return None
    return [r for r in locked if r.pk in fresh]


def ride_begun_with(driver_id: int, rides: list[RideRequest]) -> RideRequest | None:
    """A ride of hers to come whose family is already on the way (picked up, or taken to the
    visit and waiting to be brought home): unplanned, nobody would bring them home."""
    begun = Stop.objects.filter(request__in=rides).exclude(status=StopStatus.PLANNED)
    to_come = RideRequest.objects.filter(_to_come_with(driver_id), pk__in=begun.values(
        "request_id"))
    first = to_come.order_by("pk").values_list("pk", flat=True).first()
    return next((r for r in rides if r.pk == first), None)


@dataclass(frozen=True)
class DriverLeft:
    """What a driver's leaving changed, for the notices and the page."""

    rides: list[RideRequest]  # taken off the trips, waiting to be planned again
    unpinned: list[RideRequest]  # only pinned to her: the pin is gone
    her_trips: list[Trip]  # her trips to come, now off
    other_trips: list[Trip]  # other drivers' trips that carried one of those rides


def rides_follow_driver(*, driver: Driver, rides: list[RideRequest]) -> DriverLeft:
    """A driver leaves the program: her rides to come (`rides`, locked, none begun) go back
    to waiting to be planned, off every trip (a ride is planned again whole), with pins and
    the pickup times the families were told gone; a ride only pinned to her loses the pin;
    her trips left with nothing to drive are deleted. The families, the drivers whose trips
    changed, she and the program's coordinators are told (`notify.driver_left`). Called in
    the caller's transaction."""
    to_come = set(RideRequest.objects.filter(_to_come_with(driver.pk), pk__in=[
        r.pk for r in rides]).values_list("pk", flat=True))
    off = [r for r in rides if r.pk in to_come]
    trips = list(Trip.objects.filter(stops__request__in=off, stops__status=StopStatus.PLANNED)
                 .select_related("driver__user").distinct().order_by("pk"))
    Stop.objects.filter(request__in=off, status=StopStatus.PLANNED).delete()
    RideRequest.objects.filter(pk__in=to_come).update(
        status=RideStatus.OPEN, pinned_trip=None, pinned_driver=None, unserved_reason="",
        unserved_detail="", told_outbound_at=None, told_return_at=None,
        updated_at=timezone.now())
    unpinned = [r for r in rides if r.pk not in to_come]
    RideRequest.objects.filter(pk__in=[r.pk for r in unpinned]).update(
        pinned_trip=None, pinned_driver=None, updated_at=timezone.now())
    # A trip with nobody left to drive is no trip; her past trips keep their stops and stay.
    Trip.objects.filter(driver=driver, status=TripStatus.PLANNED, stops__isnull=True).delete()
    left = DriverLeft(rides=off, unpinned=unpinned,
                      her_trips=[t for t in trips if t.driver_id == driver.pk],
                      other_trips=[t for t in trips if t.driver_id != driver.pk])
    notify.driver_left(driver=driver, rides=left.rides, unpinned=left.unpinned,
                       her_trips=left.her_trips, other_trips=left.other_trips)
    return left
