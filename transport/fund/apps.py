from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "transport.fund"
    label = "fund"
    verbose_name = _("Travel fund")

    def ready(self) -> None:
        # Visits offers the hooks; the fund reacts in the same transaction (DESIGN.md). The
        # ride's receiver (TransportConfig) may run before or after this one: neither reads
        # what the other writes (follow.py).
        from notifications.links import register_link
        from transport.fund.follow import subsidies_follow_move, subsidy_move_note
        from transport.fund.links import grant_link
        from transport.fund.released import grants_of_released_visit
        from visits.links import booking_link
        from visits.services.reschedule import move_note_register
        from visits.signals import booking_moved, booking_released

        booking_moved.connect(subsidies_follow_move, dispatch_uid="fund.subsidies_follow_move")
        move_note_register(subsidy_move_note)
        booking_released.connect(grants_of_released_visit,
                                 dispatch_uid="fund.grants_of_released_visit")
        # A family's message about her travel help opens her visit; a coordinator's, the grant.
        register_link("fund.subsidy.", booking_link)
        register_link("fund.grant.", grant_link)
