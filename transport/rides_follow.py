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
