"""A family moves a booked visit to another time (and may change who comes) in one step."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from scheduler.errors import Conflict
from visits.access import booking_of_household
from visits.models import Booking, BookingStatus
from visits.services.booking import (
    BookingResult,
    SupportNeeds,
    booking_cancel,
    booking_create,
)
from visits.services.common import lock_household, lock_resident, locked_transaction

MOVABLE = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


def booking_reschedule(
    *, actor: AbstractBaseUser, booking_id: int, session_id: int, visitor_ids: list[int],
    idempotency_key: str | None = None,
) -> BookingResult:
    """Book `session_id` for the same resident and cancel the old booking, or neither.

    Both happen in one transaction: the old place is held until the new one is taken,
    and any refusal (a full session, a broken rule, too late to cancel the old one) rolls
    everything back, so the family never ends up with no visit. Every rule is checked again
    by `booking_create`, with the old booking already out of the counts (a move inside a
    full week is not refused by the quota). Locks the household and the resident first, as
    a booking does, then the old session, then the new one. Raises NotPermitted, NotFound,
    Conflict (not movable, same session), and whatever `booking_create` and
    `booking_cancel` raise.
    """
    old = booking_of_household(actor, booking_id)
    if idempotency_key:
        done = Booking.objects.filter(household_id=old.household_id,
                                      idempotency_key=idempotency_key).first()
        if done is not None:  # a retried move: answer with the booking it made
            return BookingResult(done, created=False)
    _check_movable(old, session_id)
    with locked_transaction():
        lock_household(old.household_id)
        lock_resident(old.resident_id)
        booking_cancel(actor=actor, booking_id=old.pk, reason=gettext_noop("Moved to another time"))
        return booking_create(
            actor=actor, session_id=session_id, resident_id=old.resident_id,
            visitor_ids=visitor_ids, idempotency_key=idempotency_key,
            support=SupportNeeds(wheelchair=old.needs_wheelchair,
                                 interpreter_language=old.interpreter_language,
                                 note=old.support_note))


def _check_movable(booking: Booking, session_id: int) -> None:
    if booking.status not in MOVABLE:
        raise Conflict(_("Only a booked visit can be moved."), code="not_movable")
    if booking.session_id == session_id:
        raise Conflict(_("Choose another time: this is the time of your visit now."),
                       code="same_session")
