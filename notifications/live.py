"""Ring the doorbell of every server process after an event commits.

The outbox (`Event`/`Delivery` rows) is the only truth; this push is a doorbell that may be
lost (Redis down, a process killed after COMMIT, a task worker on the in-memory layer). One
"ring" per commit goes to `OUTBOX_GROUP`, which each server process's outbox watcher
(`notifications.watcher`) listens to; the watcher hands the events to its local sockets,
and polls the outbox for whatever rang nowhere. A rolled-back change never rings.

Public topics (a facility's remaining places) are not stored: they go to their own group,
best effort, and a page that reconnects reloads the current state.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

import redis
from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import connection, transaction

logger = logging.getLogger(__name__)
_pending: set[asyncio.Task] = set()


# Every server process's watcher listens here: one message per commit instead of one per
# recipient, so an event for 1,000 people is one Redis message, not 1,000.
OUTBOX_GROUP = "live.outbox"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def topic_group(topic: str) -> str:
    return f"topic.{topic}"


def event_message(event_id: int, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "live.event", "id": event_id, "event_type": event_type, "data": data}


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop, when this sync code runs inside a request under daphne.

    Under daphne every sync view runs in one worker thread, so waiting there for Redis to
    take a push would hold up every other request of the process.
    """
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


async def _send_all(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(layer, RedisPubSubChannelLayer) and len(sends) > 1:
        try:
            await _publish_pipelined(layer, sends)
            return
        except Exception:  # fall back to one PUBLISH at a time below
            logger.exception("pipelined live push failed; sending one by one")
    for group, message in sends:  # in order: one push's events reach a socket in order
        try:
            await layer.group_send(group, message)
        except Exception:  # a dead Redis must not fail the user's request; reconnect replays
            logger.exception("live push to %s failed", group)


async def _publish_pipelined(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> None:
    """One round trip per Redis shard instead of one per group: an event for 1,000 people
    otherwise waits for 1,000 round trips before the last of them hears of it.

    Does what `RedisPubSubChannelLayer.group_send` does for each group (same channel
    names, same serialisation), through channels_redis 4.3's per-loop layer and shards.
    """
    loop_layer = layer._get_layer()
    by_shard: dict[Any, list[tuple[str, bytes]]] = {}
    for group, message in sends:
        name = loop_layer._get_group_channel_name(group)
        shard = loop_layer._get_shard(name)
        by_shard.setdefault(shard, []).append((name, layer.serialize(message)))
    for shard, items in by_shard.items():
        async with shard._lock:
            shard._ensure_redis()
            pipe = shard._redis.pipeline(transaction=False)
            for name, payload in items:
                pipe.publish(name, payload)
            await pipe.execute()


_sync_redis: dict[tuple[int, str], Any] = {}


def _publish_sync(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> bool:
    """PUBLISH from a plain thread (a task worker, a script) over one kept connection.

    Going through the async layer from sync code starts an event loop and a new Redis
    connection per commit: ~0.4 s before a busy machine's sockets heard of an event. Same
    channel names and serialisation as channels_redis 4.3's pub/sub layer; one Redis host
    only (sharded set-ups take the async path). False when it does not apply. A failure is
    logged and dropped: the outbox poll delivers what a lost doorbell did not.
    """
    hosts = layer._kwargs.get("hosts") or []
    if len(hosts) != 1 or not isinstance(hosts[0], str):
        return False
    key = (os.getpid(), hosts[0])
    prefix = layer._kwargs.get("prefix", "asgi")
    try:
        client = _sync_redis.get(key)
        if client is None:
            client = _sync_redis[key] = redis.Redis.from_url(
                hosts[0], socket_connect_timeout=1, socket_timeout=2)
        pipe = client.pipeline(transaction=False)
        for group, message in sends:
            pipe.publish(f"{prefix}__group__{group}", layer.serialize(message))
        pipe.execute()
    except Exception:  # Redis down: the poll carries the events; try a new connection next time
        _sync_redis.pop(key, None)
        logger.warning("live doorbell not rung (Redis unavailable); sockets poll the outbox")
    return True


def _send_many(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """Hand the pushes to the server's event loop without waiting (best effort: a socket
    that misses one replays it from the outbox), or send them here outside a server."""
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    loop = _server_loop()
    if loop is not None:
        asyncio.run_coroutine_threadsafe(_send_all(layer, sends), loop)
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:  # sync code called from a running loop (e.g. a browser test)
        task = running.create_task(_send_all(layer, sends))
        _pending.add(task)  # keep a reference until it is done
        task.add_done_callback(_pending.discard)
        return
    if isinstance(layer, RedisPubSubChannelLayer) and _publish_sync(layer, sends):
        return
    try:
        # One trip into an event loop per commit, not per recipient: from a plain thread
        # (a task worker, a script) each trip starts a loop and the layer opens a Redis
        # connection for it, which made one event for 1,000 people take seconds.
        async_to_sync(_send_all)(layer, sends)
    except Exception:  # a dead Redis must not fail the user's request; reconnect replays
        logger.exception("live push failed")


def ring_message(events: list[dict[str, Any]]) -> dict[str, Any]:
    """A doorbell for the watchers: each event with its recipients' user ids."""
    return {"type": "outbox.ring", "events": events}


def push_after_commit(*, event_id: int, event_type: str, data: dict[str, Any],
                      user_ids: list[int]) -> None:
    """After the caller's transaction commits, ring every process's watcher for the event.

    `event_id=0` is a passing notice that is not in the outbox (a driver ticked a stop):
    it reaches the sockets open now and is never replayed.
    """
    event = {"id": event_id, "event_type": event_type, "data": data, "users": list(user_ids)}
    _send_after_commit([(OUTBOX_GROUP, ring_message([event]))])


def publish_topic_after_commit(*, topic: str, event_type: str, data: dict[str, Any]) -> None:
    """Public topics (e.g. a facility's remaining places) carry no personal data and are not
    stored: a reconnecting page reloads the current state instead of replaying them."""
    message = event_message(0, event_type, data)
    _send_after_commit([(topic_group(topic), message)])


class _Batch:
    """The pushes of one commit. A topic push repeated in one commit says nothing new (a
    closure that cancels fifty bookings tells an open roster page once that it changed)."""

    def __init__(self) -> None:
        self.sends: list[tuple[str, dict[str, Any]]] = []
        self._topic_pushes: set[str] = set()

    def add(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        for group, message in sends:
            if message["type"] == "outbox.ring":  # one ring per commit, events in order
                ring = next((m for g, m in self.sends if g == OUTBOX_GROUP), None)
                if ring is not None:
                    ring["events"].extend(message["events"])
                    continue
            elif not message.get("id"):  # topics carry no event id
                key = group + json.dumps(message, sort_keys=True, default=str)
                if key in self._topic_pushes:
                    continue
                self._topic_pushes.add(key)
            self.sends.append((group, message))


def _send_after_commit(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """Send after commit, in one batch per transaction (and savepoint level).

    A booking pushes to its staff and to the facility's public topic; one hand-over to the
    server's loop per commit instead of one per push. A batch joins only a callback that was
    registered at the same savepoint level, so a rolled-back savepoint still drops its pushes.
    """
    if not connection.in_atomic_block:
        _send_many(sends)
        return
    savepoints = list(connection.savepoint_ids)
    for entry in connection.run_on_commit:
        registered_at, callback = entry[0], entry[1]
        batch = getattr(callback, "live_batch", None)
        if batch is not None and list(registered_at) == savepoints:
            batch.add(sends)
            return
    batch = _Batch()
    batch.add(sends)

    def flush() -> None:
        _send_many(batch.sends)

    flush.live_batch = batch  # type: ignore[attr-defined]
    transaction.on_commit(flush)
