"""A ride follows its booking: when visits releases a booking (cancelled, declined, closed),
its ride requests are cancelled and their stops leave the drivers' trips, in the same
transaction; the drivers, the coordinators and the family are told.

Subscribed to `visits.signals.booking_released` in TransportConfig.ready(): visits never
imports transport.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from transport import notify
from transport.models import LIVE_RIDE_STATUSES, RideRequest, RideStatus, Stop, StopStatus, Trip
from transport.planner import session_day
from visits.models import Booking


def rides_follow_booking(sender: Any, *, booking: Booking, actor: AbstractBaseUser | None = None,
                         **kwargs: Any) -> None:
    """Cancel the released booking's live ride requests and take their planned stops off.

    Locks the requests (a coordinator pinning or a planner writing waits, then sees them
    cancelled). A stop already picked up stays: the family is in the car.
    """
    requests = list(
        RideRequest.objects.select_for_update(of=("self",))
        .select_related("booking__session__facility", "booking__household__caregiver")
        .filter(booking_id=booking.pk, status__in=LIVE_RIDE_STATUSES).order_by("pk")
    )
    if not requests:
        return
    trips = list(Trip.objects.filter(stops__request__in=requests)
                 .select_related("driver__user").distinct().order_by("pk"))
    Stop.objects.filter(request__in=requests, status=StopStatus.PLANNED).delete()
    RideRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        status=RideStatus.CANCELLED, pinned_trip=None, updated_at=timezone.now())
    day = session_day(requests[0])
    notify.rides_off_with_booking(day=day, requests=requests, trips=trips)


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
