"""The writes of a call: join, leave, end. Each is one transaction."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calls.access import Seat, check_callable, seat_of, window_of
from calls.models import Call, CallPresence, CallRole
from notifications.services import event_emit
from notifications.text import Text
from scheduler.errors import Conflict, InvalidInput, NotPermitted

logger = logging.getLogger(__name__)


def call_group(booking_id: int) -> str:
    return f"call.{booking_id}"


@dataclass(frozen=True)
class Joined:
    seat: Seat
    presence: CallPresence
    ends_at: dt.datetime


def call_join(*, user: AbstractBaseUser, booking_id: int, peer: str) -> Joined:
    """Put the user on the booking's call as `peer`, recording the join.

    Raises NotFound / NotPermitted (not hers), Conflict (not confirmed, outside the window,
    ended by staff, another station has it). Locks the call row: two stations joining at
    once must not both take it.
    """
    with transaction.atomic():
        seat = seat_of(user, booking_id)
        now = timezone.now()
        check_callable(seat.booking, now)
        call = _lock_call(seat, now)
        if call.ended_at is not None:
            raise Conflict(_("Staff ended this call: %(reason)s") % {"reason": call.end_reason},
                           code="ended")
        _take_station(call, seat)
        presence = CallPresence.objects.create(
            call=call, user_id=user.pk, role=seat.role, peer=peer, joined_at=now,
            name=_shown_as(seat, user))
    return Joined(seat=seat, presence=presence, ends_at=window_of(seat.booking)[1])


def _shown_as(seat: Seat, user: AbstractBaseUser) -> str:
    if seat.role == CallRole.STATION:
        return seat.station.name
    if seat.role == CallRole.MONITOR:
        return user.first_name or _("Facility staff")
    visitor = seat.booking.household.visitors.filter(is_caregiver=True).first()
    return visitor.first_name if visitor else user.first_name


def _lock_call(seat: Seat, now: dt.datetime) -> Call:
    Call.objects.get_or_create(booking_id=seat.booking.pk, defaults={"started_at": now})
    return Call.objects.select_for_update().get(booking_id=seat.booking.pk)


def _take_station(call: Call, seat: Seat) -> None:
    """The first station of the unit to join is the call's station; others are refused."""
    if seat.role != CallRole.STATION:
        return
    if call.station_id is None:
        Call.objects.filter(pk=call.pk, station__isnull=True).update(station=seat.station)
        call.station_id = seat.station.pk
    elif call.station_id != seat.station.pk:
        raise Conflict(_("Another station has this call."), code="wrong_station")


def call_leave(*, peer: str) -> None:
    """Record that `peer` left (a closed socket, a hang-up, the end). Idempotent."""
    CallPresence.objects.filter(peer=peer, left_at__isnull=True).update(left_at=timezone.now())


def call_end(*, user: AbstractBaseUser, booking_id: int, reason: str) -> Call:
    """A liaison of the facility ends the call for everyone, with a reason the family is told.

    Raises NotFound / NotPermitted (not her facility), InvalidInput (no reason or too long),
    Conflict (never started, already ended, or its time is over). Locks the call row.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        seat = seat_of(user, booking_id)
        if seat.role != CallRole.MONITOR:
            raise NotPermitted(_("Only facility staff can end a call."), code="not_staff")
        call = Call.objects.select_for_update().filter(booking_id=booking_id).first()
        # Checked before the reason: a call that cannot be ended needs no reason.
        if call is None or call.ended_at is not None or \
                timezone.now() >= window_of(seat.booking)[1]:
            raise Conflict(_("This call is not under way."), code="not_under_way")
        _check_reason(reason)
        call.ended_at, call.ended_by_id, call.end_reason = timezone.now(), user.pk, reason
        call.save(update_fields=["ended_at", "ended_by", "end_reason"])
        _tell_family(seat, reason)
        transaction.on_commit(lambda: _broadcast_end(booking_id, reason))
    return call


def _check_reason(reason: str) -> None:
    limit = Call._meta.get_field("end_reason").max_length
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the call is ended.")]})
    if len(reason) > limit:
        raise InvalidInput(fields={"reason": [
            _("Keep the reason to %(limit)d characters or fewer.") % {"limit": limit}]})


def _tell_family(seat: Seat, reason: str) -> None:
    event_emit(
        type="call.ended",
        title=Text(gettext_noop("Your video call was ended by the facility")),
        body=Text(gettext_noop("Reason: %(reason)s"), {"reason": reason}),
        recipients=[seat.booking.household.caregiver],
        data={"booking_id": seat.booking.pk}, urgent=True, external=False,
    )


def _broadcast_end(booking_id: int, reason: str) -> None:
    """Tell every socket on the call (in any process) to hang up. A lost push is caught by
    the next signalling message, which finds the call ended."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            call_group(booking_id), {"type": "call.ended", "reason": reason})
    except Exception:  # the channel layer is down: the end is recorded, sockets catch up
        logger.warning("could not push the end of call %s", booking_id, exc_info=True)
