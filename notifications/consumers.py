"""The live socket at /ws/live/: a user's own events, missed ones first, then live.

Query string: `after=<last event id seen>` to replay what was missed, `topics=a,b` for
public topics (e.g. `facility.3.places`), `token=<API token>` when there is no session.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.live import topic_group, user_group
from notifications.selectors import events_after
from notifications.topics import MAX_TOPICS, allowed_topics, needs_database
from scheduler.inputs import InputRejected, loads_bounded, parse_id

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 25
# A client only ever sends {"type": "ping"}; anything much bigger is not ours.
MAX_FRAME_BYTES = 4096
REPLAY_LIMIT = 500
SENT_IDS_KEPT = 2 * REPLAY_LIMIT


def _query(scope: dict[str, Any]) -> dict[str, str]:
    parsed = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {key: values[-1] for key, values in parsed.items()}


def _after(query: dict[str, str]) -> int | None:
    raw = query.get("after", "")
    return parse_id(raw, low=0)


def _topic_names(query: dict[str, str]) -> list[str]:
    names = [t.strip() for t in query.get("topics", "").split(",") if t.strip()]
    return list(dict.fromkeys(names))[: 2 * MAX_TOPICS]


async def _topics(user: Any, query: dict[str, str]) -> list[str]:
    """The topics asked for that this user may join (public ones, and private ones such as
    a facility's roster for its own liaisons); the database is asked only for the latter."""
    names = _topic_names(query)
    if needs_database(names):
        return await database_sync_to_async(allowed_topics)(user, names)
    return allowed_topics(user, names)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = _query(self.scope)
        self.user_id = user.pk
        topics = await _topics(user, query)
        self.groups_joined = [user_group(user.pk)] + [topic_group(t) for t in topics]
        # Join before replaying: anything committed from now on arrives live, and
        # anything older comes from the replay; `sent_ids` drops the overlap. Not "every id
        # up to the last one sent": transactions commit out of id order, so a lower id can
        # arrive live after a higher one, and dropping it would leave a gap.
        self.sent_ids: set[int] = set()
        self.sent_order: collections.deque[int] = collections.deque()
        self.replaying = True
        self.buffer: list[dict[str, Any]] = []
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self._replay(_after(query))
        self.heartbeat = asyncio.create_task(self._beat())

    async def _replay(self, after: int | None) -> None:
        if after is not None:
            for event in await database_sync_to_async(events_after)(
                user_id=self.user_id, after=after, limit=REPLAY_LIMIT
            ):
                await self._send_event(event)
        self.replaying = False
        for message in self.buffer:
            await self._send_event(message)
        self.buffer = []

    async def _send_event(self, message: dict[str, Any]) -> None:
        event_id = message["id"]
        if event_id and event_id in self.sent_ids:
            return  # already sent by the replay
        sent = await self._send({"id": event_id or None, "type": message["event_type"],
                                 "data": message["data"]})
        if sent and event_id:
            self._remember(event_id)

    async def _send(self, content: dict[str, Any]) -> bool:
        try:
            await self.send_json(content)
        except Exception:  # the phone went away mid-send; its disconnect cleans up after
            logger.debug("live socket of user %s closed while sending", self.user_id)
            return False
        return True

    def _remember(self, event_id: int) -> None:
        """Keep the ids sent lately; a live duplicate of a replayed event is never far off."""
        self.sent_ids.add(event_id)
        self.sent_order.append(event_id)
        if len(self.sent_order) > SENT_IDS_KEPT:
            self.sent_ids.discard(self.sent_order.popleft())

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections() before every handler: a trip to the one
        # database thread. A live event touches no database, and with 1,000 sockets on an
        # event those trips queued behind each other for seconds (p95 ~3 s -> see bench/).
        if message.get("type") == "live.event":
            await self.live_event(message)
        else:
            await super().dispatch(message)

    async def live_event(self, message: dict[str, Any]) -> None:
        if self.replaying:
            self.buffer.append(message)
        else:
            await self._send_event(message)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if not await self._send({"id": None, "type": "heartbeat", "data": {}}):
                return

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        """Frames go through the same bounded JSON reader as API bodies: a frame that is
        binary, not JSON, too big or too deep gets an error frame, and the socket stays open
        (it used to close with 1011, an internal error)."""
        if text_data is None:
            await self._send_error("binary frames are not accepted")
            return
        try:
            content = loads_bounded(text_data, max_bytes=MAX_FRAME_BYTES, max_depth=4)
        except InputRejected as exc:
            await self._send_error(exc.message)
            return
        await self.receive_json(content)

    async def _send_error(self, message: str) -> None:
        await self._send({"id": None, "type": "error", "data": {"message": message}})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self._send({"id": None, "type": "pong", "data": {}})

    async def disconnect(self, code: int) -> None:
        beat = getattr(self, "heartbeat", None)
        if beat:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

