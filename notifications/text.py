"""Event text that each reader gets in their own language.

A service runs in the actor's language (a liaison closing a session), but the families it
tells may read Spanish. So an event can carry its title and body as a gettext msgid plus
parameters (`Text`), rendered again under each recipient's language when their email, SMS
or inbox is shown. Mark the msgid with `gettext_noop` so `makemessages` finds it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Text:
    msgid: str
    params: Mapping[str, str] = field(default_factory=dict)

    def render(self) -> str:
        """The text in the active language (falls back to the msgid if a translation breaks)."""
        return render_msgid(self.msgid, dict(self.params))

    def as_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": dict(self.params)}


def render_msgid(msgid: str, params: dict[str, Any]) -> str:
    translated = gettext(msgid)
    if not params:
        return translated
    try:
        return translated % params
    except (KeyError, ValueError, TypeError):
        # A translation with a broken placeholder must not lose the message itself.
        logger.warning("translation of %r does not fit its parameters", msgid)
        return msgid % params


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
