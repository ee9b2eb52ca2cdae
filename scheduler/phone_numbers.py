"""Mobile numbers as people type them, made E.164. Its own small module: the sign-in
throttle (scheduler.signin) needs it without loading allauth's adapter."""

from __future__ import annotations

import re

SEPARATORS = re.compile(r"[\s().\-]")
E164 = r"^\+[1-9]\d{7,14}$"


def normalise_number(typed: str) -> str:
    """E.164 from the ways people write a number; anything else comes back unchanged."""
    number = SEPARATORS.sub("", typed.strip())
    if re.fullmatch(r"\d{10}", number):
        return "+1" + number
    if re.fullmatch(r"1\d{10}", number):
        return "+" + number
    return number
