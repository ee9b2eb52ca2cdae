"""Reads of calls, each for the acting person."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from calls.access import CALLABLE_STATUSES
from calls.models import Call, CallPresence, Station
from visits.models import Booking, SessionStatus, VisitKind


def peers_on_call(*, booking_id: int, but: str = "") -> list[dict[str, str]]:
    """Who is on the call now (one entry per open socket), without the asker's own."""
    rows = (
        CallPresence.objects.filter(call__booking_id=booking_id, left_at__isnull=True)
        .exclude(peer=but).order_by("joined_at", "id")
    )
    return [{"peer": p.peer, "role": p.role, "name": p.name} for p in rows]


def peer_reachable(*, booking_id: int, peer: str) -> bool:
    """`peer` is on this booking's call now, and staff have not ended it."""
    return CallPresence.objects.filter(
        call__booking_id=booking_id, call__ended_at__isnull=True, peer=peer,
        left_at__isnull=True,
    ).exists()


def call_ended_reason(*, booking_id: int) -> str | None:
    row = Call.objects.filter(booking_id=booking_id, ended_at__isnull=False).first()
    return row.end_reason if row else None


def station_of(user: AbstractBaseUser) -> Station | None:
    return Station.objects.select_related("unit__facility").filter(user_id=user.pk).first()


def station_calls(*, station: Station, now: dt.datetime, hours: int = 24) -> QuerySet[Booking]:
    """The station's unit's confirmed video calls, from the one under way to `hours` ahead."""
    return (
        Booking.objects.filter(
            resident__unit_id=station.unit_id, session__kind=VisitKind.VIDEO,
            session__status=SessionStatus.OPEN, status__in=CALLABLE_STATUSES,
            session__ends_at__gt=now, session__starts_at__lt=now + dt.timedelta(hours=hours),
        )
        .select_related("session__facility", "resident", "household")
        .order_by("session__starts_at", "id")
    )
