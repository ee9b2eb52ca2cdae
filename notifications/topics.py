"""Live topics a socket may join besides the user's own events.

Public topics (a facility's remaining places) carry no personal data and anyone signed in
may listen. Private topics are authorised by the app that owns them: notifications imports
no app, so an app registers a pattern and a check from its `AppConfig.ready()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

PUBLIC_TOPIC = re.compile(r"facility\.[0-9]{1,12}\.places")
MAX_TOPICS = 10

MayJoin = Callable[[Any, re.Match[str]], bool]
_private: list[tuple[re.Pattern[str], MayJoin]] = []


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
        if PUBLIC_TOPIC.fullmatch(name):
            allowed.append(name)
            continue
        rule = _private_rule(name)
        if rule and rule[1](user, rule[0]):
            allowed.append(name)
    return allowed[:MAX_TOPICS]
