"""The liaisons' day list (printable and CSV) and reports (counts per month, CSV of visits)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduler.csv_export import csv_response, month_range, report_range
from scheduler.errors import InvalidInput
from scheduler.inputs import parse_day
from visits import reports
from visits.access import facility_of_liaison
from visits.models import BookingStatus


def _today(request: HttpRequest) -> dt.date:
    return timezone.now().astimezone(facility_of_liaison(request.user).tz).date()


def _day(request: HttpRequest) -> dt.date:
    raw = request.GET.get("date", "")
    day = parse_day(raw) if raw else _today(request)
    if day is None:
        raise InvalidInput(fields={"date": [_("Enter a date such as 2026-12-24.")]})
    return day


@login_required
def day_list(request: HttpRequest) -> HttpResponse:
    """The gate's list for one day: a page to print, or ?format=csv."""
    facility = facility_of_liaison(request.user)
    day = _day(request)
    rows = reports.day_list_rows(user=request.user, day=day)
    if request.GET.get("format") == "csv":
        return csv_response(f"day-list-{day.isoformat()}.csv", reports.DAY_LIST_HEADER, rows)
    return render(request, "visits/day_list.html", {
        "facility": facility, "day": day, "rows": rows,
        "adults": sum(r[7] for r in rows), "children": sum(r[8] for r in rows),
    })


def _range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """?from=&to= (local dates); by default the last six months to the end of this one."""
    first, last = month_range(_today(request))
    return report_range(request.GET, default_first=first, default_last=last)


@login_required
def reports_page(request: HttpRequest) -> HttpResponse:
    facility = facility_of_liaison(request.user)
    first, last = _range(request)
    months = reports.counts_per_month(user=request.user, first=first, last=last)
    for month in months:
        month.bars = [(status.label, month.counts.get(status, 0)) for status in CHARTED]
    return render(request, "visits/reports.html", {
        "facility": facility, "first": first, "last": last, "months": months,
        "biggest": max((n for m in months for _l, n in m.bars), default=0) or 1,
    })


# What a funder or a warden asks: how many came, did not come, were cancelled or refused.
CHARTED = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN,
           BookingStatus.NO_SHOW, BookingStatus.CANCELLED, BookingStatus.DECLINED)


@login_required
def visits_csv(request: HttpRequest) -> HttpResponse:
    first, last = _range(request)
    rows = reports.visit_rows(user=request.user, first=first, last=last)
    return csv_response(f"visits-{first.isoformat()}-{last.isoformat()}.csv",
                        reports.VISITS_HEADER, rows)
