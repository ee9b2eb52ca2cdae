"""What transport holds about one household: its ride requests; and erasing where from."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from transport.fund.models import Subsidy
from transport.models import RideRequest


def rides_export(user: AbstractBaseUser) -> list[dict[str, Any]]:
    rides = (RideRequest.objects.filter(booking__household__caregiver_id=user.pk)
             .select_related("booking__session").order_by("pk"))
    return [{"visit_starts_at": r.booking.session.starts_at.isoformat(),
             "pickup_place": r.pickup_label, "pickup_latitude": r.pickup_latitude,
             "pickup_longitude": r.pickup_longitude, "adults": r.adults,
             "children": r.children, "child_seats": r.child_seats,
             "wheelchair_places": r.wheelchair_places, "to_facility": r.outbound,
             "home": r.return_trip, "status": r.status} for r in rides]


def rides_erase(*, household_id: int) -> None:
    """Where she was picked up goes; the rides stay as counts for the drivers' records.
    The travel fund's ledger stays to the cent: only a coordinator's free-text note about
    her help is blanked, the amounts and entries are untouched."""
    with transaction.atomic():
        RideRequest.objects.filter(booking__household_id=household_id).update(
            pickup_label="", pickup_latitude=0.0, pickup_longitude=0.0)
        Subsidy.objects.filter(household_id=household_id).update(note="")
