"""Live fan-out: many websocket clients on one daphne process (Redis layer).

Starts daphne on 127.0.0.1 with REDIS_URL, seeds N users, connects N sockets, publishes
events to all of them from a separate writer (the outbox, committed), and prints the
delivery latency from commit to receipt (p50, p95, p99) and lost events.

    .venv/bin/python bench/live_fanout.py [--clients 1000] [--events 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def prepare(env: dict[str, str], clients: int) -> list[str]:
    run = lambda *a: subprocess.run([sys.executable, "manage.py", *a], cwd=ROOT, env=env,  # noqa: E731
                                    check=True, capture_output=True, text=True).stdout
    run("migrate", "--noinput", "-v0")
    demo = json.loads(run("seed_demo", "--json", "--households", str(clients)))
    return [h["token"] for h in demo["households"]]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    daphne = str(Path(sys.executable).parent / "daphne")
    proc = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port),
                             "scheduler.asgi:application"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("daphne did not start")


async def client(uri: str, received: dict[int, list[float]], ready: asyncio.Event,
                 counter: list[int], total: int, done: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    async with connect(uri, origin="http://127.0.0.1", open_timeout=60, max_queue=None) as ws:
        counter[0] += 1
        if counter[0] == total:
            ready.set()
        while not done.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=1)
            except TimeoutError:
                continue
            message = json.loads(raw)
            if message["type"] == "bench.note":
                received.setdefault(message["id"], []).append(time.time())


async def run(port: int, tokens: list[str], events: int, gap: float) -> dict[str, float]:
    received: dict[int, list[float]] = {}
    ready, done = asyncio.Event(), asyncio.Event()
    counter = [0]
    tasks = []
    for token in tokens:
        uri = f"ws://127.0.0.1:{port}/ws/live/?token={token}"
        tasks.append(asyncio.create_task(client(uri, received, ready, counter, len(tokens), done)))
        await asyncio.sleep(0.002)  # a gentle connect ramp
    await asyncio.wait_for(ready.wait(), timeout=180)
    commits: dict[int, float] = {}

    await asyncio.to_thread(publish_stamped, events, gap, commits)
    await asyncio.sleep(5)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [(t - commits[eid]) * 1000 for eid, times in received.items()
                 if eid in commits for t in times]
    expected = events * len(tokens)
    return {
        "clients": len(tokens),
        "events": events,
        "deliveries_expected": expected,
        "deliveries_received": len(latencies),
        "lost": expected - len(latencies),
        "latency_p50_ms": round(percentile(latencies, 0.50), 1),
        "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
        "latency_max_ms": round(max(latencies), 1) if latencies else float("nan"),
        "cpu_count": os.cpu_count() or 0,
    }


def publish_stamped(count: int, gap: float, commits: dict[int, float]) -> list[int]:
    """Like `publish`, but stamps each event's commit time (the clock the latency starts on)."""
    import django
    from django.contrib.auth import get_user_model
    from django.db import transaction

    django.setup()
    from notifications.services import event_emit

    users = list(get_user_model().objects.filter(username__startswith="family"))
    ids = []
    for i in range(count):
        stamp: dict[str, float] = {}
        with transaction.atomic():
            # Registered before event_emit's push, so it runs first, right after COMMIT.
            transaction.on_commit(lambda s=stamp: s.setdefault("t", time.time()))
            event = event_emit(type="bench.note", title=f"bench {i}", recipients=users)
        commits[event.pk] = stamp["t"]
        ids.append(event.pk)
        time.sleep(gap)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between events")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="fanout-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SQLITE_PATH=f"{tmp}/fanout.sqlite3", DJANGO_SETTINGS_MODULE="scheduler.settings",
               REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)
    tokens = prepare(env, args.clients)
    port = free_port()
    server = start_server(env, port)
    try:
        figures = asyncio.run(run(port, tokens, args.events, args.gap))
    finally:
        server.terminate()
        server.wait(timeout=10)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")


if __name__ == "__main__":
    main()
