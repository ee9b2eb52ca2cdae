from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransportConfig(AppConfig):
    name = "transport"
    verbose_name = _("Transport")

    def ready(self) -> None:
        # Visits offers the hooks; transport reacts in the same transaction (DESIGN.md).
        from transport.rides_follow import ride_move_note, rides_follow_booking, rides_follow_move
        from visits.services.reschedule import move_note_register
        from visits.signals import booking_moved, booking_released

        booking_released.connect(rides_follow_booking, dispatch_uid="transport.rides_follow")
        booking_moved.connect(rides_follow_move, dispatch_uid="transport.rides_follow_move")
        move_note_register(ride_move_note)

        from transport.access import me_part
        from visits.me import me_part_register

        me_part_register(me_part)
