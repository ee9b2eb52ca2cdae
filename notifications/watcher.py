"""The outbox watcher: how events reach the live sockets of one server process.

One watcher per event loop (a daphne process has one), started by its first socket and
stopped with its last. It hands events to its sockets from two sources:

- the doorbell: the ring each commit sends to `OUTBOX_GROUP` through the channel layer
  (fast, a few ms; lost when Redis is down or the committing process died after COMMIT);
- the outbox itself, polled every LIVE_POLL_SECONDS: the ids above the settled id it has
  not seen, and their deliveries to the users connected here. This is what makes a lost
  doorbell only a delay, and what carries a task worker's events to the sockets on the
  embedded default (SQLite + in-memory layer), where its ring reaches nobody. A poll is
  two indexed reads per process, whatever the number of sockets: cheaper than a read per
  socket, and unlike LISTEN/NOTIFY it works on SQLite and after a lost notification too.

Each socket keeps a `Cursor` and drops what it already sent, so the two sources (and the
replay on connect) may overlap freely: every event goes out once per socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
from collections import defaultdict
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from notifications.live import OUTBOX_GROUP
from notifications.message import LiveMessage
from notifications.selectors import outbox_deliveries, outbox_ids_after

logger = logging.getLogger(__name__)

REJOIN_SECONDS = 30  # re-join the group now and then: a restarted Redis forgot it


class Socket(Protocol):
    user_id: int

    async def deliver(self, messages: list[LiveMessage]) -> None: ...


class OutboxWatcher:
    def __init__(self) -> None:
        self.sockets: dict[int, set[Socket]] = defaultdict(set)
        # Every event up to `settled` has been handed out here (or committed before the
        # watcher started); None until the first poll.
        self.settled: int | None = None
        self.seen: set[int] = set()  # ids above `settled` already handed out
        self.lock = asyncio.Lock()  # one hand-out at a time: a socket's sends stay in order
        self.first_poll = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.channel = ""

    def add(self, socket: Socket) -> None:
        self.sockets[socket.user_id].add(socket)
        if not self.tasks:
            # In a context of their own: the tasks outlive the socket that started them, and
            # must not inherit its per-connection state (asgiref's thread-sensitive context).
            self.tasks = [asyncio.create_task(self._listen(), context=contextvars.Context()),
                          asyncio.create_task(self._poll(), context=contextvars.Context())]

    def remove(self, socket: Socket) -> bool:
        """Forget a socket; True when it was the last (the watcher stopped)."""
        mine = self.sockets.get(socket.user_id)
        if mine is not None:
            mine.discard(socket)
            if not mine:
                del self.sockets[socket.user_id]
        if self.sockets:
            return False
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        return True

    async def _listen(self) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        while True:
            try:
                self.channel = await layer.new_channel()
                await layer.group_add(OUTBOX_GROUP, self.channel)
                while True:
                    message = await layer.receive(self.channel)
                    if message.get("type") == "outbox.ring":
                        await self.ring(message["events"])
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.shield(layer.group_discard(OUTBOX_GROUP, self.channel))
                raise
            except Exception:  # Redis down: the poll carries on meanwhile; try again soon
                logger.warning("live doorbell unavailable; polling the outbox meanwhile")
                await asyncio.sleep(1 + random.random())

    async def _rejoin(self) -> None:
        """Join the doorbell group again: a restarted Redis has forgotten the core layer's
        groups (and a receive that is waiting never notices). Harmless when it has not."""
        layer = get_channel_layer()
        if layer is None or not self.channel:
            return
        with contextlib.suppress(Exception):
            await layer.group_add(OUTBOX_GROUP, self.channel)

    async def ring(self, events: list[dict[str, Any]]) -> None:
        """Hand out the events of one commit's doorbell to their recipients here."""
        async with self.lock:
            for event in events:
                message = LiveMessage.from_ring(event)
                for user_id in event["users"]:
                    for socket in list(self.sockets.get(user_id, ())):
                        await socket.deliver([message])
                if message.id and (self.settled is None or message.id > self.settled):
                    self.seen.add(message.id)

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        rejoin_at = loop.time() + REJOIN_SECONDS
        while True:
            if loop.time() >= rejoin_at:
                await self._rejoin()
                rejoin_at = loop.time() + REJOIN_SECONDS
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: sockets wait, nothing is lost
                logger.warning("live outbox poll failed; trying again", exc_info=True)
            # Jittered, so the processes of one machine do not all ask at once.
            await asyncio.sleep(settings.LIVE_POLL_SECONDS * (0.75 + random.random() / 2))

    async def poll(self) -> None:
        """Read the outbox ids above the settled one; hand out those not seen yet."""
        settled, ids = await database_sync_to_async(outbox_ids_after)(after=self.settled)
        new = [i for i in ids if i not in self.seen]
        # The users connected *now*, after the read: a socket that joined since is
        # replaying from the outbox itself, and its replay reads later than this did.
        users = list(self.sockets)
        found = await database_sync_to_async(outbox_deliveries)(event_ids=new, user_ids=users)
        async with self.lock:
            for user_id, message in found:
                for socket in list(self.sockets.get(user_id, ())):
                    await socket.deliver([message])
            self.seen.update(ids)
            self.settled = max(settled, self.settled or 0)
            self.seen = {i for i in self.seen if i > self.settled}
        self.first_poll.set()


_watchers: dict[asyncio.AbstractEventLoop, OutboxWatcher] = {}


def watcher_join(socket: Socket) -> OutboxWatcher:
    """The watcher of the running loop, with `socket` added (started if it was idle)."""
    loop = asyncio.get_running_loop()
    watcher = _watchers.get(loop)
    if watcher is None:
        watcher = _watchers[loop] = OutboxWatcher()
    watcher.add(socket)
    return watcher


def watcher_leave(socket: Socket) -> None:
    loop = asyncio.get_running_loop()
    watcher = _watchers.get(loop)
    if watcher is not None and watcher.remove(socket):
        del _watchers[loop]
