"""Where a live socket is in one person's outbox: pure, no ORM.

Event ids are handed out when a transaction inserts its event, not when it commits, so
event 10 can commit after event 11 has been delivered. A single "last id seen" would skip
10 for good. A cursor is therefore a *floor* (every event of this person at or below it has
been delivered, and no transaction that could still commit one is open) plus the *ids above
the floor* already delivered. The floor only rises to the outbox's settled id (see
`notifications.watcher`), so the list above it stays as short as the last minute's events.

Written as text for the phone to hand back on reconnect: `"<floor>"` or
`"<floor>:<id>,<id>,..."`. A plain `"<id>"` (what pages and older phones send) reads as a
floor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scheduler.inputs import parse_id

MAX_IDS = 2000  # a cursor from a client is cut here: it can only cost a few duplicates


@dataclass
class Cursor:
    floor: int = 0
    above: set[int] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor a client sent, or None when it sent none (or nonsense)."""
        floor_text, _, ids_text = text.strip().partition(":")
        # parse_id, not str.isdigit(): "²" or ten thousand digits are nonsense, not a crash.
        floor = parse_id(floor_text, low=0)
        if floor is None:
            return None
        parts = ids_text.split(",")[:MAX_IDS]
        ids = [number for part in parts if (number := parse_id(part)) is not None]
        return cls(floor=floor, above={i for i in ids if i > floor})

    def has(self, event_id: int) -> bool:
        return event_id <= self.floor or event_id in self.above

    def take(self, event_id: int) -> bool:
        """Record `event_id` as delivered; False if it already was (then do not send it)."""
        if self.has(event_id):
            return False
        self.above.add(event_id)
        return True

    def take_all(self, event_ids: Iterable[int]) -> None:
        for event_id in event_ids:
            self.take(event_id)

    def settle(self, settled: int) -> None:
        """Raise the floor to `settled`: the caller vouches that every event of this person
        up to it has been delivered (so the ids below it need not be listed any more)."""
        if settled > self.floor:
            self.floor = settled
            self.above = {i for i in self.above if i > settled}

    def text(self) -> str:
        if not self.above:
            return str(self.floor)
        return f"{self.floor}:" + ",".join(map(str, sorted(self.above)))
