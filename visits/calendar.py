"""Visiting rules to dated sessions, in the facility's own time zone.

Pure functions: wall-clock recurrence in, UTC instants out. Rules are written in local
time ("Saturdays at 09:00"), so they keep their local hour across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from dateutil import rrule as du_rrule
from django.utils.translation import gettext as _

UTC = dt.UTC


@dataclass(frozen=True)
class Occurrence:
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC


def parse_rrule(text: str, dtstart: dt.datetime) -> du_rrule.rrule:
    """Parse an RRULE body (without DTSTART); raises ValueError with a readable message."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body:
        raise ValueError(_("The recurrence is empty; write e.g. FREQ=WEEKLY;BYDAY=SA;BYHOUR=9"))
    try:
        rule = du_rrule.rrulestr(body, dtstart=dtstart, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            _("The recurrence %(rule)s is not a valid RRULE: %(problem)s")
            % {"rule": repr(text), "problem": exc}
        ) from exc
    if not isinstance(rule, du_rrule.rrule):
        raise ValueError(_("Write a single RRULE, not a set of rules."))
    return rule


def local_to_utc(naive_local: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Attach the facility's zone to a wall-clock time and convert to UTC.

    A time inside the spring-forward gap (02:30 that never happens) maps to the instant
    one hour later on the clock; a time repeated in autumn takes its first occurrence
    (fold=0), so a session is never created twice.
    """
    # zoneinfo with fold=0 reads a gap time with the offset from before the change,
    # which is exactly "one hour later on the new clock".
    return naive_local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def expand(
    *,
    rrule_text: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    duration_minutes: int,
    tz_name: str,
    window_start: dt.date,
    window_end: dt.date,
) -> list[Occurrence]:
    """Occurrences whose local date lies in [window_start, window_end] (inclusive)."""
    tz = zoneinfo.ZoneInfo(tz_name)
    rule = parse_rrule(rrule_text, dt.datetime.combine(starts_on, dt.time()))
    first = max(window_start, starts_on)
    last = min(window_end, ends_on) if ends_on else window_end
    if last < first:
        return []
    after = dt.datetime.combine(first, dt.time())
    before = dt.datetime.combine(last, dt.time(23, 59, 59))
    length = dt.timedelta(minutes=duration_minutes)
    out = []
    for local_start in rule.between(after, before, inc=True):
        start = local_to_utc(local_start, tz)
        # The end is computed on the wall clock too: a 2-hour visit that spans a DST
        # change still ends at the local time the facility announced.
        end = local_to_utc(local_start + length, tz)
        if end <= start:
            end = start + length
        out.append(Occurrence(starts_at=start, ends_at=end))
    return out


def local_date(instant: dt.datetime, tz_name: str) -> dt.date:
    return instant.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def local_midnight_utc(day: dt.date, tz_name: str) -> dt.datetime:
    return local_to_utc(dt.datetime.combine(day, dt.time()), zoneinfo.ZoneInfo(tz_name))


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday..Sunday of the week that holds `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    next_first = (first + dt.timedelta(days=32)).replace(day=1)
    return first, next_first - dt.timedelta(days=1)
