"""Hooks visits offers to the parts above it (which it may not import).

`booking_released`: a booking left the states that hold a place (cancelled by the family,
declined by the liaison, closed with its session or a closure, an offer that lapsed). Sent
inside the transaction that made the change, so a receiver's own writes commit or roll
back with it. Keyword arguments: `booking`, `old_status`, `actor` (None for the system),
`reason`. Transport subscribes in its AppConfig.ready() to cancel the booking's rides.
"""

from django.dispatch import Signal

booking_released = Signal()
