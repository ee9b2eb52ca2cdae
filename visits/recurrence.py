"""A visiting rule's recurrence as people write it: weekdays, start times and a length.

Pure functions. Liaisons never see RRULE text: the rules page builds it from the weekdays and
times ticked on the form, reads it back to fill the form when a rule is edited, and says it
in plain words ("every Saturday and Sunday, 9 a.m. and 1 p.m., two hours").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import time_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# RRULE weekday codes, Monday first (Python's weekday() numbers).
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = (
    gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


@dataclass(frozen=True)
class Recurrence:
    weekdays: tuple[int, ...]  # 0 = Monday, sorted, no repeats
    times: tuple[dt.time, ...]  # local wall-clock starts, sorted, no repeats


def check_times(times: list[dt.time]) -> str | None:
    """Why these start times cannot be one rule, or None.

    One RRULE repeats every hour it names at every minute it names (BYHOUR x BYMINUTE), so
    9:00 and 13:30 would also give 9:30 and 13:00: all times of a rule share their minutes.
    """
    if len({t.minute for t in times}) > 1:
        return _("All start times of one rule must be on the same minute past the hour "
                 "(for example 9:00 and 13:00, or 9:30 and 13:30). Make a second rule for "
                 "the other times.")
    return None


def to_rrule(recurrence: Recurrence) -> str:
    """The RRULE body for the facility's local wall clock."""
    days = ",".join(WEEKDAY_CODES[d] for d in recurrence.weekdays)
    hours = ",".join(str(h) for h in sorted({t.hour for t in recurrence.times}))
    minute = recurrence.times[0].minute
    return f"FREQ=WEEKLY;BYDAY={days};BYHOUR={hours};BYMINUTE={minute}"


def _parts(text: str) -> dict[str, str]:
    body = text.strip().removeprefix("RRULE:").removeprefix("rrule:")
    parts = {}
    for piece in body.split(";"):
        key, sep, value = piece.partition("=")
        if not sep:
            raise ValueError(piece)
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def _numbers(raw: str, low: int, high: int) -> list[int]:
    values = [int(v) for v in raw.split(",") if v]
    if not values or any(not low <= v <= high for v in values):
        raise ValueError(raw)
    return values


def from_rrule(text: str) -> Recurrence | None:
    """Read a rule's RRULE back into weekdays and times; None when it says more than that
    (an interval, month days, ...), which the page then shows as it is, read-only."""
    try:
        parts = _parts(text)
        if set(parts) - {"FREQ", "BYDAY", "BYHOUR", "BYMINUTE"}:
            return None
        if parts.get("FREQ") == "DAILY" and "BYDAY" not in parts:
            weekdays = list(range(7))
        elif parts.get("FREQ") in {"WEEKLY", "DAILY"} and "BYDAY" in parts:
            weekdays = [WEEKDAY_CODES.index(code) for code in parts["BYDAY"].split(",")]
        else:
            return None
        hours = _numbers(parts.get("BYHOUR", ""), 0, 23)
        minutes = _numbers(parts.get("BYMINUTE", "0"), 0, 59)
    except ValueError:
        return None
    times = sorted({dt.time(h, m) for h in hours for m in minutes})
    return Recurrence(weekdays=tuple(sorted(set(weekdays))), times=tuple(times))


def _days_in_words(weekdays: tuple[int, ...]) -> str:
    if len(weekdays) == 7:
        return _("every day")
    if weekdays == (0, 1, 2, 3, 4):
        return _("every weekday (Monday to Friday)")
    names = [str(WEEKDAY_NAMES[d]) for d in weekdays]
    return _("every %(days)s") % {"days": get_text_list(names, _("and"))}


def duration_in_words(minutes: int) -> str:
    """'two hours', '1 hour 30 minutes', '45 minutes'."""
    hours, rest = divmod(minutes, 60)
    hour_words = ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    minute_words = ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest}
    if hours and rest:
        return f"{hour_words} {minute_words}"
    return hour_words if hours else minute_words


def in_words(recurrence: Recurrence, duration_minutes: int) -> str:
    """'every Saturday and Sunday, 9 a.m. and 1 p.m., 2 hours' in the active language."""
    times = [time_format(t, "TIME_FORMAT") for t in recurrence.times]
    return _("%(days)s, %(times)s, %(length)s") % {
        "days": _days_in_words(recurrence.weekdays),
        "times": get_text_list(times, _("and")),
        "length": duration_in_words(duration_minutes),
    }
