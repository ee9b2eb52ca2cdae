"""A family moves a booked visit to another time (and may change who comes) in one step.

What follows a booking in the parts above visits (her ride) follows the move through
`visits.signals.booking_moved`; what they have to say about it on the move pages, through
`move_note_register`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from scheduler.errors import Conflict
from visits.access import booking_of_household
from visits.models import Booking, BookingStatus, Session
from visits.services.booking import (
    BookingResult,
    SupportNeeds,
    booking_cancel,
    booking_create,
)
from visits.services.common import lock_household, lock_resident, locked_transaction
from visits.signals import booking_moved, releasing_for_move

MOVABLE = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)

# What a part above visits says on the move pages about what moves with the visit: given the
# booking and the time she picked (None: not picked yet), a sentence in the active language,
# or None when it has nothing to say (e.g. transport, when she asked for no ride).
MoveNote = Callable[[Booking, Session | None], str | None]
_move_notes: list[MoveNote] = []


def move_note_register(note: MoveNote) -> None:
    """Called by a higher part in its AppConfig.ready() (visits may not import it)."""
    if note not in _move_notes:
        _move_notes.append(note)


def move_notes(booking: Booking, session: Session | None = None) -> list[str]:
    """What moves with this booking, in plain words, for the move pages."""
    return [text for note in _move_notes if (text := note(booking, session))]


def booking_reschedule(
    *, actor: AbstractBaseUser, booking_id: int, session_id: int, visitor_ids: list[int],
    idempotency_key: str | None = None,
) -> BookingResult:
    """Book `session_id` for the same resident and cancel the old booking, or neither.

    Both happen in one transaction: the old place is held until the new one is taken,
    and any refusal (a full session, a broken rule, too late to cancel the old one) rolls
    everything back, so the family never ends up with no visit. Every rule is checked again
    by `booking_create`, with the old booking already out of the counts (a move inside a
    full week is not refused by the quota). The old booking is released as a move, and
    `booking_moved` is sent once the new one is made, so what follows the booking (her
    ride) moves with it instead of being cancelled. Locks the household and the resident
    first, as a booking does, then the old session, then the new one. Raises NotPermitted, NotFound,
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
        with releasing_for_move(old.pk):
            booking_cancel(actor=actor, booking_id=old.pk,
                           reason=gettext_noop("Moved to another time"))
        result = booking_create(
            actor=actor, session_id=session_id, resident_id=old.resident_id,
            visitor_ids=visitor_ids, idempotency_key=idempotency_key,
            support=SupportNeeds(wheelchair=old.needs_wheelchair,
                                 interpreter_language=old.interpreter_language,
                                 note=old.support_note))
        booking_moved.send(sender=Booking, old=old, new=result.booking, actor=actor)
        return result


def _check_movable(booking: Booking, session_id: int) -> None:
    if booking.status not in MOVABLE:
        raise Conflict(_("Only a booked visit can be moved."), code="not_movable")
    if booking.session_id == session_id:
        raise Conflict(_("Choose another time: this is the time of your visit now."),
                       code="same_session")
