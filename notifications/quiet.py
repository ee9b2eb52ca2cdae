"""Quiet hours: pure time arithmetic, no ORM."""

from __future__ import annotations

import datetime as dt
import zoneinfo


def quiet_until(
    now: dt.datetime, *, start: dt.time | None, end: dt.time | None, tz_name: str
) -> dt.datetime | None:
    """If `now` falls inside the local quiet hours [start, end), when they end (UTC).

    A start after the end spans midnight (22:00-07:00). No hours, or start == end: never quiet.
    """
    if start is None or end is None or start == end:
        return None
    tz = zoneinfo.ZoneInfo(tz_name)
    local = now.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= wall < end, local.date()
    elif wall >= start:
        inside, end_day = True, local.date() + dt.timedelta(days=1)
    else:
        inside, end_day = wall < end, local.date()
    if not inside:
        return None
    ends = dt.datetime.combine(end_day, end, tzinfo=tz).astimezone(dt.UTC)
    # An end inside a daylight-saving gap can resolve to a moment already past; then the
    # quiet hours are over in every reading of the clock.
    return ends if ends > now else None
