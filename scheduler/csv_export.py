"""CSV files people open in a spreadsheet. Imports no app, so every app's exports use it."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _

from scheduler.errors import InvalidInput
from scheduler.inputs import parse_day

# A cell a spreadsheet would run as a formula (CSV injection, OWASP): a family's note
# such as "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
                 ) -> HttpResponse:
    """A download; UTF-8 with a byte-order mark so spreadsheet apps read accents right."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


# The longest report: a year, like a closure (a funder's year, a budget year).
MAX_REPORT_DAYS = 366


def report_range(params: Mapping[str, str], *, default_first: dt.date, default_last: dt.date
                 ) -> tuple[dt.date, dt.date]:
    """?from=&to= (local dates, both included), or the defaults; InvalidInput naming the
    field when a date is not one, the range runs backwards or spans more than a year."""
    first = parse_day(params["from"]) if params.get("from") else default_first
    last = parse_day(params["to"]) if params.get("to") else default_last
    fields = {}
    if first is None:
        fields["from"] = [_("Enter a date such as 2026-12-24.")]
    if last is None:
        fields["to"] = [_("Enter a date such as 2026-12-24.")]
    if first and last and last < first:
        fields["to"] = [_("The last day must be on or after the first day.")]
    elif first and last and (last - first).days >= MAX_REPORT_DAYS:
        fields["to"] = [_("A report covers at most %(days)d days.") % {"days": MAX_REPORT_DAYS}]
    if fields:
        raise InvalidInput(fields=fields)
    return first, last


def month_range(today: dt.date, months_back: int = 5) -> tuple[dt.date, dt.date]:
    """From the first of the month `months_back` months ago to the end of this month."""
    first = today.replace(day=1)
    for _i in range(months_back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    last = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last
