"""Hooks visits offers to the parts above it (which it may not import).

`booking_released`: a booking left the states that hold a place (cancelled by the family,
declined by the liaison, closed with its session or a closure, an offer that lapsed). Sent
inside the transaction that made the change, so a receiver's own writes commit or roll
back with it. Keyword arguments: `booking`, `old_status`, `actor` (None for the system),
`reason`. Transport subscribes in its AppConfig.ready() to cancel the booking's rides.

`booking_moved`: a family moved a booking to another time (`booking_reschedule`): the old
booking was released as the first half of the move and `new` replaces it. Sent inside the
move's transaction once the new booking is made (a refused move rolls back and sends
nothing). Keyword arguments: `old`, `new`, `actor`. While the old booking is released for a
move, `release_is_move(booking.pk)` is true: a `booking_released` receiver leaves what
follows the booking (a ride) for `booking_moved`, instead of ending it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

booking_released = Signal()
booking_moved = Signal()

_moving: ContextVar[frozenset[int]] = ContextVar("visits_bookings_moving", default=frozenset())


@contextmanager
def releasing_for_move(booking_id: int) -> Iterator[None]:
    """Within this block, releasing `booking_id` is the first half of a move."""
    token = _moving.set(_moving.get() | {booking_id})
    try:
        yield
    finally:
        _moving.reset(token)


def release_is_move(booking_id: int) -> bool:
    return booking_id in _moving.get()
