from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransportConfig(AppConfig):
    name = "transport"
    verbose_name = _("Transport")

    def ready(self) -> None:
        # Visits offers the hook; transport reacts in the same transaction (DESIGN.md).
        from transport.rides_follow import rides_follow_booking
        from visits.signals import booking_released

        booking_released.connect(rides_follow_booking, dispatch_uid="transport.rides_follow")

        from transport.access import me_part
        from visits.me import me_part_register

        me_part_register(me_part)
