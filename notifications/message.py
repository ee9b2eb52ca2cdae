"""One live message as a socket sends it, serialised once for all its readers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class LiveMessage:
    """`id` 0 is a passing notice that is not in the outbox (never replayed)."""

    id: int
    event_type: str
    data: dict[str, Any]
    _head: str = field(default="", repr=False)

    def text(self, cursor: str | None) -> str:
        """The JSON a socket sends: `{"id", "type", "data", "cursor"}`. The shared part is
        encoded once: an event for 1,000 sockets differs only in each one's cursor."""
        if not self._head:
            self._head = json.dumps(
                {"id": self.id or None, "type": self.event_type, "data": self.data},
                default=str,
            )[:-1]
        return f'{self._head}, "cursor": {json.dumps(cursor)}}}'

    @classmethod
    def from_ring(cls, event: dict[str, Any]) -> LiveMessage:
        return cls(id=event["id"], event_type=event["event_type"], data=event["data"])
