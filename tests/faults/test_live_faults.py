"""Live updates under faults, with our own redis-server and daphne processes: whatever is
lost (Redis stopped, a server process killed, an event committed after a newer one), each
phone ends up with every event of its person exactly once.

Phones behave as the app's pages do: they keep the `cursor` of the last message and, on
reconnect, send it back as `after=`.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from tests.procs import Daphne, Redis, migrated_sqlite, run_script, sqlite_env

# CI installs Redis, so there a missing redis-server fails loudly; a newcomer without it skips.
needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None and os.environ.get("CI") != "true",
    reason="needs the redis-server program (CI always runs these)",
)

PUBLISHER = Path(__file__).with_name("live_publisher.py")
PHONES = 12
WAIT_SECONDS = 120  # everything must have arrived by then, even on a loaded machine


class Phone:
    def __init__(self, token: str, ports: list[int]) -> None:
        self.token = token
        self.ports = ports
        self.cursor = "0"  # a new phone: everything of this person from the start
        self.got: list[int] = []
        self.ws = None
        self.connects = 0
        self.open = asyncio.Event()

    async def run(self) -> None:
        while True:
            port = random.choice(self.ports)
            uri = f"ws://127.0.0.1:{port}/ws/live/?token={self.token}&after={self.cursor}"
            try:
                async with connect(uri, origin="http://127.0.0.1", open_timeout=20) as ws:
                    self.ws = ws
                    self.connects += 1
                    self.open.set()
                    async for raw in ws:
                        message = json.loads(raw)
                        if message.get("cursor"):
                            self.cursor = message["cursor"]
                        if message.get("id"):
                            self.got.append(message["id"])
            except (OSError, WebSocketException, TimeoutError):
                pass
            self.open.clear()
            await asyncio.sleep(0.2 + random.random() / 2)

    async def reconnect(self) -> None:
        """Drop the connection (a phone going through a tunnel); `run` comes back."""
        if self.ws is not None:
            await self.ws.close()


async def until(condition, what: str, timeout: float = WAIT_SECONDS) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


class Rig:
    """SQLite file + private Redis + daphne processes + phones, for one test."""

    def __init__(self, tmp_path: Path, layer: str, servers: int) -> None:
        self.redis = Redis(tmp_path)
        self.redis.start()
        db = migrated_sqlite(tmp_path)
        self.env = sqlite_env(db, REDIS_URL=self.redis.url, REDIS_CHANNEL_LAYER=layer,
                              LIVE_POLL_SECONDS="1")
        self.users = json.loads(run_script(self.env, PUBLISHER, "users", str(PHONES)))
        self.servers = [Daphne(self.env, tmp_path / f"daphne{i}.log") for i in range(servers)]
        self.user_ids = ",".join(str(u["id"]) for u in self.users)

    def publish(self, count: int, gap: float = 0.05) -> list[int]:
        return json.loads(run_script(self.env, PUBLISHER, "emit", self.user_ids, str(count),
                                     str(gap)))

    def late(self) -> list[int]:
        return json.loads(run_script(self.env, PUBLISHER, "late", self.user_ids))

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.redis.stop()


@pytest.fixture
def rig_factory(tmp_path: Path) -> Iterator:
    made: list[Rig] = []

    def make(layer: str = "pubsub", servers: int = 1) -> Rig:
        made.append(Rig(tmp_path, layer, servers))
        return made[-1]

    yield make
    for rig in made:
        rig.stop()


async def with_phones(rig: Rig, scenario) -> list[Phone]:
    ports = [s.port for s in rig.servers]
    phones = [Phone(u["token"], ports) for u in rig.users]
    tasks = [asyncio.create_task(p.run()) for p in phones]
    try:
        await until(lambda: all(p.open.is_set() for p in phones), "every phone to connect")
        await asyncio.sleep(0.5)  # the server side has joined its watcher
        expected = await scenario(phones)
        await until(lambda: all(set(p.got) >= set(expected) for p in phones),
                    "every event on every phone")
        await asyncio.sleep(3)  # a few more polls: a duplicate would show by now
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for phone in phones:
        assert_exactly_once(phone, expected)
    return phones


def assert_exactly_once(phone: Phone, expected: list[int]) -> None:
    counts = collections.Counter(phone.got)
    duplicated = sorted(i for i, n in counts.items() if n > 1)
    assert duplicated == [], f"duplicated: {duplicated}"
    assert sorted(counts) == sorted(expected), "lost or foreign events"


@needs_redis
@pytest.mark.parametrize("layer", ["pubsub", "core"])
def test_redis_stopped_and_started_with_phones_connected_loses_and_repeats_nothing(
        rig_factory, layer: str) -> None:
    rig = rig_factory(layer)

    async def scenario(phones: list[Phone]) -> list[int]:
        ids = await asyncio.to_thread(rig.publish, 10)
        await asyncio.to_thread(rig.redis.stop)
        ids += await asyncio.to_thread(rig.publish, 10)  # every doorbell is lost
        # Sockets stay open: the outbox poll brings these while Redis is down.
        await until(lambda: all(set(p.got) >= set(ids) for p in phones), "the poll")
        await asyncio.to_thread(rig.redis.start)
        ids += await asyncio.to_thread(rig.publish, 10)
        for phone in phones:  # every phone reconnects with its cursor
            await phone.reconnect()
        ids += await asyncio.to_thread(rig.publish, 10)
        return ids

    phones = asyncio.run(with_phones(rig, scenario))
    assert all(p.connects >= 2 for p in phones)


@needs_redis
def test_a_server_process_killed_under_load_loses_nothing(rig_factory) -> None:
    rig = rig_factory("pubsub", servers=2)
    killed = rig.servers[0]

    async def scenario(phones: list[Phone]) -> list[int]:
        publishing = asyncio.create_task(asyncio.to_thread(rig.publish, 60, 0.05))
        await asyncio.sleep(1)
        await asyncio.to_thread(killed.kill)
        for phone in phones:  # phones on the dead process move to the live one
            phone.ports = [rig.servers[1].port]
        return await publishing

    phones = asyncio.run(with_phones(rig, scenario))
    assert any(p.connects >= 2 for p in phones)


@needs_redis
def test_an_event_committed_after_a_newer_one_reaches_every_phone(rig_factory) -> None:
    rig = rig_factory("pubsub")

    async def scenario(phones: list[Phone]) -> list[int]:
        ids = await asyncio.to_thread(rig.publish, 3)
        older, newer = await asyncio.to_thread(rig.late)
        assert older < newer
        ids += [older, newer]
        await until(lambda: all(older in p.got for p in phones), "the late event")
        for phone in phones:  # and a reconnect with the cursor repeats none of them
            await phone.reconnect()
        ids += await asyncio.to_thread(rig.publish, 3)
        return ids

    asyncio.run(with_phones(rig, scenario))


def test_events_of_a_worker_reach_sockets_without_redis(tmp_path: Path) -> None:
    """The embedded default: SQLite and the in-memory layer. The publisher is another
    process (as the task worker is), so its doorbell rings nowhere; the poll delivers."""
    db = migrated_sqlite(tmp_path)
    env = sqlite_env(db, LIVE_POLL_SECONDS="1")
    users = json.loads(run_script(env, PUBLISHER, "users", "3"))
    server = Daphne(env, tmp_path / "daphne.log")
    rig = Rig.__new__(Rig)
    rig.env, rig.users, rig.servers = env, users, [server]
    rig.user_ids = ",".join(str(u["id"]) for u in users)
    try:
        async def scenario(phones: list[Phone]) -> list[int]:
            return await asyncio.to_thread(rig.publish, 5)

        asyncio.run(with_phones(rig, scenario))
    finally:
        server.stop()
