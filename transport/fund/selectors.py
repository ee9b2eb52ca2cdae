"""Reads of the fund. Public figures are aggregates only: no family is ever named in them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from transport.access import coordinator_program
from transport.fund.ledger import balances_by_earmark, fund_of_coordinator
from transport.fund.models import Donation, EntryKind, Fund, LedgerEntry, Subsidy, SubsidyStatus
from transport.models import Stop, StopKind
from transport.programs import grants_q
from visits.models import Facility

MONEY_IN = (EntryKind.DONATION, EntryKind.DISPUTE_WON)
MONEY_BACK = (EntryKind.REFUND, EntryKind.DISPUTE)


@dataclass(frozen=True)
class Totals:
    currency: str
    raised_cents: int
    spent_cents: int
    balance_cents: int
    rides: int
    visits: int


@dataclass(frozen=True)
class MonthBar:
    month: dt.date
    raised_cents: int
    spent_cents: int


def _sum(entries: QuerySet[LedgerEntry]) -> int:
    return entries.aggregate(s=Sum("amount_cents"))["s"] or 0


def funds_public(program_id: int | None = None) -> QuerySet[Fund]:
    """Every program's fund (the public page adds them up), or one program's."""
    funds = Fund.objects.all()
    return funds.filter(program_id=program_id) if program_id else funds


def public_totals(funds: QuerySet[Fund] | None = None) -> Totals:
    """Raised (gifts less refunds and disputes), spent on trips, and trips paid for, over
    the given funds (all of them by default). One currency for every fund (settings)."""
    funds = funds_public() if funds is None else funds
    entries = LedgerEntry.objects.filter(fund__in=funds)
    raised = _sum(entries.filter(kind__in=MONEY_IN + MONEY_BACK))
    spent = -_sum(entries.filter(Q(kind=EntryKind.SUBSIDY) | Q(kind=EntryKind.REVERSAL,
                                                                 subsidy__isnull=False)))
    granted = Subsidy.objects.filter(fund__in=funds, status=SubsidyStatus.GRANTED)
    counts = granted.aggregate(rides=Count("id"), visits=Count("booking", distinct=True))
    return Totals(settings.FUND_CURRENCY.lower(), raised, spent, _sum(entries),
                  counts["rides"], counts["visits"])


def month_starts(today: dt.date, count: int = 12) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, ending with this month."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def last_twelve_months(funds: QuerySet[Fund] | None = None) -> list[MonthBar]:
    funds = funds_public() if funds is None else funds
    months = month_starts(timezone.now().date())
    since = dt.datetime.combine(months[0], dt.time(), tzinfo=dt.UTC)
    rows = (
        LedgerEntry.objects.filter(fund__in=funds, created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=dt.UTC))
        .values("month", "kind", "subsidy_id")
        .annotate(total=Sum("amount_cents"))
    )
    raised: dict[dt.date, int] = {}
    spent: dict[dt.date, int] = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        if row["kind"] in MONEY_IN + MONEY_BACK:
            raised[month] = raised.get(month, 0) + row["total"]
        elif row["kind"] == EntryKind.SUBSIDY or row["subsidy_id"]:
            spent[month] = spent.get(month, 0) - row["total"]
    return [MonthBar(m, raised.get(m, 0), spent.get(m, 0)) for m in months]


def subsidy_report(*, user: AbstractBaseUser | None) -> QuerySet[Subsidy]:
    """Her program's subsidies with their visits and families: coordinators only
    (NotPermitted otherwise)."""
    program_id = coordinator_program(user)
    return (
        Subsidy.objects.filter(grants_q(program_id)).select_related(
            "booking__session__facility", "household", "granted_by"
        ).prefetch_related(Prefetch("ride_request__stops", queryset=Stop.objects.filter(
            kind=StopKind.PICKUP).select_related("trip__driver__user").order_by("leg")))
        .order_by("-granted_at", "-id")
    )


def seat_trips(subsidy: Subsidy) -> list[Stop]:
    """The pickups of the paid legs, each with its trip as planned now (a re-plan may have
    moved a leg to another trip): what the report links to."""
    if subsidy.ride_request_id is None:
        return []
    return [stop for stop in subsidy.ride_request.stops.all()
            if stop.kind == StopKind.PICKUP and subsidy.leg in ("", stop.leg)]


def subsidy_payload(subsidy: Subsidy) -> dict[str, Any]:
    session = subsidy.booking.session
    return {
        "id": subsidy.pk,
        "booking": subsidy.booking_id,
        "household": subsidy.household_id,
        "facility": session.facility.name,
        "visit_starts_at": session.starts_at.isoformat(),
        "kind": subsidy.kind,
        "amount_cents": subsidy.amount_cents,
        "miles": subsidy.miles,
        "status": subsidy.status,
        "release_reason": gettext(subsidy.release_reason) if subsidy.release_reason else "",
        "granted_at": subsidy.granted_at.isoformat(),
        "ride_request": subsidy.ride_request_id,
        "leg": subsidy.leg,
        "trips": [{"leg": stop.leg, "trip_id": stop.trip_id, "day": stop.trip.day.isoformat()}
                  for stop in seat_trips(subsidy)],
    }


def balance_summary(*, user: AbstractBaseUser) -> dict[str, Any]:
    """Her program's fund: the balance and what is kept for each facility's families
    (NotPermitted for anyone but a coordinator)."""
    fund = fund_of_coordinator(user)
    buckets = balances_by_earmark(fund)
    names = Facility.objects.in_bulk([pk for pk in buckets if pk])
    return {
        "currency": fund.currency,
        "balance_cents": sum(buckets.values()),
        "general_cents": buckets.get(None, 0),
        "earmarked": [
            {"facility": pk, "facility_name": names[pk].name, "balance_cents": cents}
            for pk, cents in sorted(buckets.items(), key=lambda kv: kv[0] or 0) if pk
        ],
    }


def ledger_for(*, user: AbstractBaseUser) -> QuerySet[LedgerEntry]:
    """Her program's fund's ledger, newest first (NotPermitted for anyone else)."""
    fund = fund_of_coordinator(user)
    return LedgerEntry.objects.filter(fund=fund).select_related("earmark").order_by("-id")


def donations_for(*, user: AbstractBaseUser) -> QuerySet[Donation]:
    """Gifts to her program's fund, newest first (NotPermitted for anyone else)."""
    fund = fund_of_coordinator(user)
    return Donation.objects.filter(fund=fund).select_related("earmark").order_by("-id")


def entry_payload(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk, "recorded_at": entry.created_at.isoformat(), "kind": entry.kind,
        "amount_cents": entry.amount_cents, "facility": entry.earmark_id,
        "facility_name": entry.earmark.name if entry.earmark_id else None,
        "donation": entry.donation_id, "subsidy": entry.subsidy_id,
        "reverses": entry.reverses_id, "memo": entry.memo,
    }


def donation_payload(donation: Donation) -> dict[str, Any]:
    """A gift as her program's coordinators see it: the donor's name, not her email."""
    return {
        "id": donation.pk, "created_at": donation.created_at.isoformat(),
        "paid_at": donation.paid_at.isoformat() if donation.paid_at else None,
        "kind": donation.kind, "status": donation.status,
        "amount_cents": donation.amount_cents, "currency": donation.currency,
        "name": donation.name, "facility": donation.earmark_id,
        "facility_name": donation.earmark.name if donation.earmark_id else None,
    }
