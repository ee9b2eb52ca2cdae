"""The live socket at /ws/live/: a user's own events, missed ones first, then live.

Query string: `after=<cursor>` (the `cursor` of the last message received, or a page's
`data-after`) to replay exactly what was missed, `topics=a,b` for
public topics (e.g. `facility.3.places`), `token=<API token>` when there is no session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications.cursor import Cursor
from notifications.live import topic_group
from notifications.message import LiveMessage
from notifications.selectors import deliveries_missing, known_cursor
from notifications.topics import MAX_TOPICS, allowed_topics, needs_database
from notifications.watcher import watcher_join, watcher_leave
from scheduler.inputs import InputRejected, loads_bounded

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 25
# A client only ever sends {"type": "ping"}; anything much bigger is not ours.
MAX_FRAME_BYTES = 4096
REPLAY_LIMIT = 500


def _query(scope: dict[str, Any]) -> dict[str, str]:
    parsed = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {key: values[-1] for key, values in parsed.items()}


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


def _outer_send(send: Any) -> Any:
    """The server's own `send`, past channels' session wrapper.

    The wrapper reads the session (two lazy-object lookups) on every frame to decide whether
    to save it, which only http.response.start and websocket.accept ever do; with 1,000
    sockets on an event that was a fifth of the fan-out's time.
    """
    return getattr(getattr(send, "__self__", None), "real_send", None) or send


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """One socket: the user's own events from the outbox watcher, exactly once each.

    Every message carries `cursor`, the text to send back as `after=` on reconnect: it says
    what this socket delivered, so a reconnect gets exactly what was missed, even an event
    committed after a newer one (see `notifications.cursor`).
    """

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = _query(self.scope)
        self.user_id = user.pk
        topics = await _topics(user, query)
        self.groups_joined = [topic_group(t) for t in topics]
        self.cursor: Cursor | None = Cursor.parse(query.get("after", ""))
        self.replaying = True
        self.buffer: list[LiveMessage] = []
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.raw_send = _outer_send(self.base_send)
        # Join the watcher before reading the outbox: anything committed from now on comes
        # from the watcher, anything older from the replay; the cursor drops the overlap.
        self.watcher = watcher_join(self)
        await self._replay()
        self.heartbeat = asyncio.create_task(self._beat())

    async def _replay(self) -> None:
        if self.cursor is None:  # no history asked for: count everything so far as known
            self.cursor = await database_sync_to_async(known_cursor)(user_id=self.user_id)
            missed_any = False  # what commits from now on comes from the watcher
        else:
            missed_any = True
        while missed_any:
            missed = await database_sync_to_async(deliveries_missing)(
                user_id=self.user_id, cursor=self.cursor, limit=REPLAY_LIMIT
            )
            for message in missed:
                await self._send_event(message)
            missed_any = len(missed) == REPLAY_LIMIT
        self.replaying = False
        while self.buffer:
            buffered, self.buffer = self.buffer, []
            for message in buffered:
                await self._send_event(message)

    async def deliver(self, messages: list[LiveMessage]) -> None:
        """Called by the watcher (doorbell or poll), in order."""
        if self.replaying:
            self.buffer.extend(messages)
            return
        for message in messages:
            await self._send_event(message)

    async def _send_event(self, message: LiveMessage) -> None:
        if message.id and not self.cursor.take(message.id):
            return  # already sent (the replay, the doorbell and the poll overlap)
        await self._send_text(message.text(self._cursor_text()))

    def _cursor_text(self) -> str:
        settled = self.watcher.settled
        if not self.replaying and settled is not None:
            # Every event of this user up to `settled` reached this socket (see the watcher).
            self.cursor.settle(settled)
        return self.cursor.text()

    async def _send_text(self, text: str) -> bool:
        try:
            await self.raw_send({"type": "websocket.send", "text": text})
        except Exception:  # the phone went away mid-send; its disconnect cleans up after
            logger.debug("live socket of user %s closed while sending", self.user_id)
            return False
        return True

    async def _send(self, content: dict[str, Any]) -> bool:
        return await self._send_text(json.dumps(content))

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs close_old_connections() before every handler: a trip to the one
        # database thread. A topic push touches no database; skip that trip.
        if message.get("type") == "live.event":
            await self.live_event(message)
        else:
            await super().dispatch(message)

    async def live_event(self, message: dict[str, Any]) -> None:
        """A public topic's push (not stored, never replayed)."""
        await self._send({"id": None, "type": message["event_type"], "data": message["data"]})

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            beat = {"id": None, "type": "heartbeat", "data": {}, "cursor": self._cursor_text()}
            if not await self._send(beat):
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
        if getattr(self, "watcher", None) is not None:
            watcher_leave(self)
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
