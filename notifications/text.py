"""Event text that each reader gets in their own language.

A service runs in the actor's language (a liaison closing a session), but the families it
tells may read Spanish. So an event can carry its title and body as a gettext msgid plus
parameters (`Text`), rendered again under each recipient's language when their email, SMS
or inbox is shown. Mark the msgid with `gettext_noop` so `makemessages` finds it.

A parameter is plain text, or a value worded at reading time too: a moment in a zone
(`moment()`), a calendar day (`day()`), a counted phrase with its plural (`count()`), a
phrase of ours such as a reason picked from a list (`term()`), or a whole sentence of ours
with its own parameters (`Text(...).as_json()`); several sentences one per line (`lines()`).
So a stored event holds no English sentence and no ISO date: "domingo, 6 de diciembre,
13:00" and "1 conductor" come out right in each reader's language.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import date_format, time_format
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Text:
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """The text in the active language (falls back to the msgid if a translation breaks)."""
        return render_msgid(self.msgid, dict(self.params))

    def as_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": dict(self.params)}


# Styles of a moment: the day alone, the time alone, or both ("Sunday, December 6, 1 p.m.").
MOMENT_STYLES = ("day", "time", "datetime")


def moment(value: dt.datetime, time_zone: str, style: str = "datetime") -> dict[str, str]:
    """A moment parameter, worded when read, on the wall clock of `time_zone`."""
    if style not in MOMENT_STYLES:
        raise ValueError(f"unknown moment style {style!r}")
    return {"moment": value.isoformat(), "tz": time_zone, "style": style}


def day(value: dt.date, *, with_year: bool = False) -> dict[str, Any]:
    """A calendar day parameter (a trip's day, a board's day): no zone to convert.
    `with_year` for a day that may be next year or later (an approval's last day)."""
    return {"day": value.isoformat(), "with_year": True} if with_year else {
        "day": value.isoformat()}


def term(msgid: str) -> dict[str, str]:
    """A word or phrase of ours (e.g. a reason picked from a list), translated when read:
    the msgid is stored, never the writer's language."""
    return {"term": msgid}


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural pair for `makemessages` (scheduler's override knows this keyword)."""
    return singular, plural


def count(forms: tuple[str, str], n: int) -> dict[str, Any]:
    """A counted phrase, e.g. count(ngettext_noop("%(n)d driver", "%(n)d drivers"), 1):
    the reader's language picks its plural form."""
    return {"singular": forms[0], "plural": forms[1], "n": n}


def lines(parts: Sequence[Text]) -> Text:
    """Sentences of ours, one per line (e.g. each ride a plan left out, with its reason),
    each worded when read like any other message."""
    return Text("%(lines)s", {"lines": {"lines": [part.as_json() for part in parts]}})


def say_day(local: dt.date | dt.datetime) -> str:
    # Lower case in Spanish inside a sentence ("el domingo"); a message's first letter is
    # made a capital by `render_msgid`.
    return f"{date_format(local, 'l')}, {date_format(local, 'MONTH_DAY_FORMAT')}"


def _say_moment(value: Mapping[str, Any]) -> str:
    local = dt.datetime.fromisoformat(value["moment"]).astimezone(zoneinfo.ZoneInfo(value["tz"]))
    style = value.get("style", "datetime")
    if style == "time":
        return time_format(local, "TIME_FORMAT")
    if style == "day":
        return say_day(local)
    return f"{say_day(local)}, {time_format(local, 'TIME_FORMAT')}"


def param_text(value: Any) -> Any:
    """One parameter as the reader reads it; plain values as they are."""
    if not isinstance(value, Mapping):
        return value
    try:
        if "moment" in value:
            return _say_moment(value)
        if "lines" in value:  # `lines()`: sentences one per line
            return "\n".join(str(param_text(part)) for part in value["lines"])
        if "msgid" in value:  # a whole sentence of ours (`Text.as_json()`), e.g. a reason
            return render_msgid(value["msgid"], dict(value.get("params") or {}))
        if "term" in value:
            return gettext(value["term"])
        if "day" in value:
            when = dt.date.fromisoformat(value["day"])
            return date_format(when, "DATE_FORMAT") if value.get("with_year") else say_day(when)
        if "singular" in value:
            n = int(value["n"])
            return ngettext(value["singular"], value["plural"], n) % {"n": n}
    except (KeyError, ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError):
        logger.warning("a message parameter could not be worded: %r", value)
    return str(value)


def render_msgid(msgid: str, params: dict[str, Any]) -> str:
    translated = gettext(msgid)
    if not params:
        return translated
    worded = {name: param_text(value) for name, value in params.items()}
    try:
        return capfirst(translated % worded)
    except (KeyError, ValueError, TypeError):
        # A translation with a broken placeholder must not lose the message itself.
        logger.warning("translation of %r does not fit its parameters", msgid)
        return capfirst(msgid % worded)


def text_of(value: str | Text) -> str:
    return value.render() if isinstance(value, Text) else str(value)


def stored_i18n(**values: str | Text) -> dict[str, Any]:
    """The `Event.i18n` value: only the parts given as `Text`."""
    return {name: value.as_json() for name, value in values.items() if isinstance(value, Text)}


def render_stored(i18n: Mapping[str, Any], name: str, fallback: str) -> str:
    """A stored part (`title`/`body`) in the active language, else the text as first written."""
    entry = i18n.get(name) if isinstance(i18n, Mapping) else None
    if not isinstance(entry, Mapping) or not isinstance(entry.get("msgid"), str):
        return fallback
    params = entry.get("params") if isinstance(entry.get("params"), Mapping) else {}
    return render_msgid(entry["msgid"], dict(params))
