"""Live topics a socket may join besides the user's own events.

Public topics (e.g. a facility's remaining places) carry no personal data and anyone signed
in may listen. Private topics are authorised by the app that owns them. notifications knows
no app's topics: each app registers its patterns (and, for private ones, a check) from its
`AppConfig.ready()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

MAX_TOPICS = 10

MayJoin = Callable[[Any, re.Match[str]], bool]
_public: list[re.Pattern[str]] = []
_private: list[tuple[re.Pattern[str], MayJoin]] = []


def register_public_topic(pattern: str) -> None:
    """Let anyone signed in join topics matching `pattern` (they must carry no personal data)."""
    _public.append(re.compile(pattern))


def _is_public(name: str) -> bool:
    return any(pattern.fullmatch(name) for pattern in _public)


def register_private_topic(pattern: str, may_join: MayJoin) -> None:
    """Let a user join topics matching `pattern` when `may_join(user, match)` says so."""
    _private.append((re.compile(pattern), may_join))


def _private_rule(name: str) -> tuple[re.Match[str], MayJoin] | None:
    for pattern, may_join in _private:
        match = pattern.fullmatch(name)
        if match:
            return match, may_join
    return None


def needs_database(names: Iterable[str]) -> bool:
    """Whether deciding these names asks the database (any private topic among them)."""
    return any(_private_rule(name) for name in names)


def allowed_topics(user: Any, names: Iterable[str]) -> list[str]:
    """The names this user may join, in order, at most MAX_TOPICS; unknown shapes are
    dropped (anything else could be somebody's private group)."""
    allowed = []
    for name in dict.fromkeys(names):
        if _is_public(name):
            allowed.append(name)
            continue
        rule = _private_rule(name)
        if rule and rule[1](user, rule[0]):
            allowed.append(name)
    return allowed[:MAX_TOPICS]
