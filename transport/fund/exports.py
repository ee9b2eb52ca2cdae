"""Rows for the coordinators' spreadsheet of travel-fund grants over visit dates."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser

from transport.access import coordinator_program
from transport.exports import in_visit_days, visit_day
from transport.fund.models import Subsidy
from transport.programs import grants_q

GRANTS_HEADER = ("visit_date", "facility", "grant", "kind", "status", "amount", "currency",
                 "miles", "household", "granted_at_utc", "note")


def grant_rows(*, user: AbstractBaseUser, first: dt.date, last: dt.date) -> list[tuple]:
    """One row per travel-fund grant of her program for a visit in [first, last].
    Amounts in the fund's currency units with two decimals (cents kept exact)."""
    program_id = coordinator_program(user)
    grants = in_visit_days(Subsidy.objects.filter(grants_q(program_id)),
                           "booking__session__starts_at", first, last)
    grants = grants.select_related("booking__session__facility", "household", "fund").order_by(
        "booking__session__starts_at", "id")
    rows = []
    for grant in grants:
        day = visit_day(grant.booking.session)
        if not first <= day <= last:
            continue
        rows.append((
            day.isoformat(), grant.booking.session.facility.name, grant.pk,
            grant.get_kind_display(), grant.get_status_display(),
            f"{grant.amount_cents // 100}.{grant.amount_cents % 100:02d}", grant.fund.currency,
            grant.miles or "", grant.household.name,
            grant.granted_at.astimezone(dt.UTC).isoformat(timespec="seconds"), grant.note,
        ))
    return rows
