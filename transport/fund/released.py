"""A visit the fund granted travel help for will not happen: the coordinators are told.

visits sends `booking_released` when a booking stops holding its place (the family
cancelled, the liaison declined, the session closed). The grant is not given back by
itself: a bus fare or fuel card may already be in the family's hands, which only a
coordinator knows. So each coordinator of the fund's program hears which grant it is, and
reverses it on the fund's report if the money was not handed out. A move is not an end: a
grant follows a moved visit (follow.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext_noop

from notifications.services import event_emit
from notifications.text import Text, moment
from transport.fund.donations import money_text
from transport.fund.models import Subsidy, SubsidyStatus
from transport.notify import coordinators
from visits.models import Booking
from visits.signals import release_is_move


def grants_of_released_visit(sender: Any, *, booking: Booking, **kwargs: Any) -> None:
    """Runs in the transaction that released the booking; writes only the messages."""
    if release_is_move(booking.pk):
        return  # the grant follows the visit (`subsidies_follow_move`)
    granted = list(Subsidy.objects.filter(booking_id=booking.pk, status=SubsidyStatus.GRANTED)
                   .select_related("fund").order_by("pk"))
    by_fund: dict[int, list[Subsidy]] = defaultdict(list)
    for subsidy in granted:
        by_fund[subsidy.fund_id].append(subsidy)
    session = booking.session
    for grants in by_fund.values():
        fund = grants[0].fund
        amount = money_text(sum(s.amount_cents for s in grants), fund.currency)
        event_emit(
            type="fund.grant.visit_off",
            title=Text(gettext_noop("Travel help granted for a visit that will not happen: "
                                    "%(amount)s"), {"amount": amount}),
            body=Text(gettext_noop(
                "%(household)s: the visit on %(day)s will not happen. If the %(amount)s "
                "granted for the trip was not handed out, reverse the grant on the fund's "
                "report."),
                {"household": booking.household.name, "amount": amount,
                 "day": moment(session.starts_at, session.facility.time_zone, "day")}),
            recipients=coordinators(fund.program_id), external=False,
            data={"subsidy_ids": [s.pk for s in grants], "booking_id": booking.pk},
        )
