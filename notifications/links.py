"""Where a message leads: the page to act on it (accept a freed place, read a closure).

notifications knows no app's pages: each app registers, from its `AppConfig.ready()`, a
function for the event types it writes that gives the page's address for one reader, or
None. The inbox shows it as the message's link."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LinkFor = Callable[[str, Mapping[str, Any], Any], str | None]
_links: list[tuple[str, LinkFor]] = []


def register_link(type_prefix: str, link_for: LinkFor) -> None:
    """For events whose type starts with `type_prefix`: `link_for(type, data, reader)`."""
    _links.append((type_prefix, link_for))


def link_of(type: str, data: Mapping[str, Any] | None, reader: Any) -> str | None:
    """The page a message leads its reader to, if an app gives one."""
    for prefix, link_for in _links:
        if type.startswith(prefix):
            return link_for(type, data if isinstance(data, Mapping) else {}, reader)
    return None
