"""One input discipline for every entry point: API bodies, query strings, forms, websocket
frames and webhooks all read untrusted values through these helpers.

Imports no app (and no DRF), so pages, consumers and webhooks can share it. Each helper
answers "a clean value" or "None / a problem", never an exception a client could turn
into a 500: `str.isdigit()` accepts "²" and ten thousand digits, `date.fromisoformat`
accepts year 9999 (whose next day overflows), `json.loads` recurses until Python gives up.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The largest id a database row can have (64-bit signed); anything past it overflows the
# database driver instead of simply matching nothing.
MAX_ID = 2**63 - 1
# Dates outside this range mean nothing to a visit scheduler, and keep `day + 1` safe.
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2199, 12, 31)
# A closure covers at most about a year: anything longer is a typo (or an attack).
MAX_CLOSURE_DAYS = 366
# JSON bodies: deep enough for any real request, far from Python's recursion limit.
MAX_JSON_DEPTH = 20
MAX_JSON_BYTES = 256 * 1024

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

MSG_NUL = _("Null characters are not allowed.")
MSG_SURROGATE = _("This text holds characters that cannot be stored.")
MSG_DATE_RANGE = _("Choose a date between %(first)s and %(last)s.")


class InputRejected(ValueError):
    """A value or body refused before it reached any code that could fail on it."""

    def __init__(self, message: Any, *, status: int = 400, field: str = "") -> None:
        self.message, self.status, self.field = str(message), status, field
        super().__init__(self.message)


def parse_id(raw: object, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """A whole number written in ASCII digits within [low, high], else None."""
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw.strip()):
        return None
    value = int(raw.strip())
    return value if low <= value <= high else None


def parse_day(raw: object) -> dt.date | None:
    """A `YYYY-MM-DD` date within the sane range, else None."""
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw.strip()):
        return None
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


def date_range_message() -> str:
    return str(MSG_DATE_RANGE % {"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()})


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored (a NUL or a lone surrogate), or None if it can."""
    if "\x00" in value:
        return str(MSG_NUL)
    if _LONE_SURROGATE.search(value):
        return str(MSG_SURROGATE)
    return None


def first_bad_text(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first (path, problem) for a string anywhere inside a parsed JSON value."""
    if isinstance(value, str):
        problem = text_problem(value)
        return (path or "non_field_errors", problem) if problem else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        found = first_bad_text(key, here) if isinstance(key, str) else None
        found = found or first_bad_text(item, here)
        if found:
            return found
    return None


def json_depth(raw: str) -> int:
    """How deeply arrays and objects nest in this JSON text (brackets inside strings skipped).

    A linear scan, so a body nested 100,000 deep is measured without recursing.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def loads_bounded(
    raw: bytes | str, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON only if it is small and shallow enough, and holds only storable text.

    Raises InputRejected (413 for size, 400 otherwise) instead of RecursionError,
    UnicodeDecodeError or a NaN that the database would refuse later.
    """
    if len(raw) > max_bytes:
        raise InputRejected(_("The request is too large."), status=413)
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise InputRejected(_("The request is not valid UTF-8 text.")) from exc
    if json_depth(text) > max_depth:
        raise InputRejected(_("The request nests too deeply."))
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise InputRejected(_("The request is not valid JSON.")) from exc
    bad = first_bad_text(value)
    if bad:
        raise InputRejected(bad[1], field=bad[0])
    return value


def parse_ids(values: list[str]) -> list[int]:
    """The row ids among form values (ticked boxes), skipping anything that is not one."""
    return [number for value in values if (number := parse_id(value)) is not None]


def validate_time_zone(value: str) -> None:
    """A model field validator: `value` must name an IANA time zone (a facility's, a
    person's), such as America/Chicago."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not a time zone name such as America/Chicago."),
            params={"value": value},
        ) from exc
