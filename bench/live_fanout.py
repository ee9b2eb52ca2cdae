"""Live fan-out: many websocket clients on one daphne process (Redis channel layer).

Seeds N households in a fresh SQLite file, starts one daphne on 127.0.0.1 with REDIS_URL,
connects N websocket clients to /ws/live/ (one per user, token auth), then a separate
publisher process writes events for all N users through the outbox (`event_emit` in a
transaction; the push goes out after COMMIT, as in the app) and stamps each commit.

Prints delivery latency from commit to receipt (p50, p95, p99, max) over every (client,
event) pair, the deliveries lost (never received within --settle seconds) and duplicated,
and failed connections; one `name: value` line each, or one JSON object with --json.

    .venv/bin/python bench/live_fanout.py [--clients 1000] [--events 10] [--gap 1]
        [--layer pubsub|core] [--redis-url redis://127.0.0.1:6379/1] [--connect-rate 80]
        [--workdir DIR] [--profile FILE] [--json]

Every socket and process stays on loopback; the run is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIND = "127.0.0.1"
EVENT_TYPE = "bench.note"
CONNECT_TRIES = 6


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=1000, help="websocket clients (1000)")
    p.add_argument("--events", type=int, default=10, help="events, each to every client (10)")
    p.add_argument("--gap", type=float, default=1.0, help="seconds between events (1.0)")
    p.add_argument("--layer", choices=["pubsub", "core"], default="pubsub",
                   help="channels_redis layer given to daphne and the publisher (pubsub)")
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL")
                   or "redis://127.0.0.1:6379/1", help="REDIS_URL (default: $REDIS_URL or db 1)")
    # One daphne process accepts ~100 sockets a second here (token lookup, subscriptions,
    # autobahn's handshake); faster, its 5 s handshake timeout refuses some (they retry).
    p.add_argument("--connect-rate", type=float, default=80.0,
                   help="new connections per second while connecting (80)")
    p.add_argument("--settle", type=float, default=15.0,
                   help="seconds to wait after the last commit for stragglers (15)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (log, db)")
    p.add_argument("--workdir", default="",
                   help="use (and keep) this folder: a database seeded there before is reused")
    p.add_argument("--profile", default="",
                   help="run daphne under cProfile (its event-loop thread) and write the "
                        "stats to this file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    # Internal: the publisher runs as its own process, so the clients' event loop and the
    # writer do not share one interpreter lock.
    p.add_argument("--publish", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# --------------------------------------------------------------------------- set-up


def raise_open_file_limit(needed: int) -> int:
    """Each client and each server-side socket is a file; the default soft limit (1024)
    is too low for 1,000 of them. Children (daphne) inherit the raised limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((BIND, 0))
        return s.getsockname()[1]


def server_env(tmp: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SQLITE_PATH=str(tmp / "fanout.sqlite3"), REDIS_URL=args.redis_url,
               REDIS_CHANNEL_LAYER=args.layer, DJANGO_SETTINGS_MODULE="scheduler.settings",
               LOG_LEVEL="WARNING")
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=600).stdout


def prepare(env: dict[str, str], clients: int) -> list[str]:
    """Migrate and seed once per folder; --workdir reuses a folder seeded before."""
    saved = Path(env["SQLITE_PATH"]).with_suffix(".tokens.json")
    if saved.exists():
        tokens = json.loads(saved.read_text())
        if len(tokens) >= clients:
            return tokens[:clients]
    manage(env, "migrate", "--noinput", "-v0")
    demo = json.loads(manage(env, "seed_demo", "--json", "--households", str(clients)))
    tokens = [h["token"] for h in demo["households"]]
    saved.write_text(json.dumps(tokens))
    return tokens


PROFILED_DAPHNE = """
import cProfile, signal, sys
from daphne.cli import CommandLineInterface
profile = cProfile.Profile()

def stop(*_):
    from twisted.internet import reactor
    reactor.callFromThread(reactor.stop)

signal.signal(signal.SIGUSR1, stop)
signal.signal(signal.SIGUSR2, lambda *_: profile.enable())  # from the first event on
try:
    CommandLineInterface().run(sys.argv[2:])
finally:
    profile.disable()
    profile.dump_stats(sys.argv[1])
"""


def start_server(env: dict[str, str], port: int, log: Path,
                 profile: str = "") -> subprocess.Popen:
    daphne_args = ["-b", BIND, "-p", str(port), "scheduler.asgi:application"]
    if profile:
        command = [sys.executable, "-c", PROFILED_DAPHNE, profile, *daphne_args]
    else:
        command = [str(Path(sys.executable).parent / "daphne"), *daphne_args]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("w"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"daphne exited; see {log}")
        try:
            with socket.create_connection((BIND, port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("daphne did not start")


# --------------------------------------------------------------------------- clients


class Tally:
    def __init__(self, clients: int) -> None:
        self.clients = clients
        self.connected = 0
        self.failed = 0
        self.first_failure = ""
        self.retries = 0
        self.all_in = asyncio.Event()
        # (client index, event id) -> receipt times; more than one is a duplicate.
        self.received: dict[tuple[int, int], list[float]] = {}

    def settled(self) -> None:
        if self.connected + self.failed >= self.clients:
            self.all_in.set()


async def client(index: int, uri: str, tally: Tally, done: asyncio.Event) -> None:
    from websockets.asyncio.client import connect

    ws = None
    for attempt in range(CONNECT_TRIES):
        try:
            ws = await connect(uri, origin=f"http://{BIND}", open_timeout=60, max_queue=None,
                               ping_interval=None)
            break
        except Exception as exc:  # refused or dropped handshake: retry like live.js does
            tally.first_failure = tally.first_failure or repr(exc)[:300]
            tally.retries += 1
            await asyncio.sleep(min(30.0, 2.0**attempt) * (0.5 + random.random()))
    if ws is None:
        tally.failed += 1
        tally.settled()
        return
    tally.connected += 1
    tally.settled()
    closer = asyncio.create_task(close_when(done, ws))
    try:
        async for raw in ws:  # no per-message timer: the clients must not be the bottleneck
            now = time.time()
            message = json.loads(raw)
            if message.get("type") == EVENT_TYPE:
                tally.received.setdefault((index, message["id"]), []).append(now)
    except Exception:  # a closed socket ends this client; its missing events count as lost
        return
    finally:
        closer.cancel()


async def close_when(done: asyncio.Event, ws: Any) -> None:
    await done.wait()
    await ws.close()


async def publisher(env: dict[str, str], args: argparse.Namespace) -> dict[str, dict]:
    """Run the publisher process; it prints {"commits": {event id: commit time},
    "push_seconds": {event id: how long the push to every group took}} as JSON."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--publish", str(args.events),
        "--gap", str(args.gap), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"publisher failed:\n{err.decode()[-3000:]}")
    return {name: {int(k): v for k, v in values.items()}
            for name, values in json.loads(out).items()}


async def measure(port: int, tokens: list[str], env: dict[str, str],
                  args: argparse.Namespace,
                  server: subprocess.Popen | None = None) -> dict[str, Any]:
    tally, done = Tally(len(tokens)), asyncio.Event()
    tasks = []
    started = time.monotonic()
    for index, token in enumerate(tokens):
        uri = f"ws://{BIND}:{port}/ws/live/?token={token}"
        tasks.append(asyncio.create_task(client(index, uri, tally, done)))
        if index % 10 == 9:
            await asyncio.sleep(10 / args.connect_rate)  # phones coming online, not all at once
    await asyncio.wait_for(tally.all_in.wait(), timeout=300)
    connect_seconds = time.monotonic() - started
    if args.profile and server is not None:
        server.send_signal(signal.SIGUSR2)  # profile the fan-out, not the connecting
    published = await publisher(env, args)
    commits = published["commits"]
    expected = {(i, eid) for i in range(len(tokens)) for eid in commits}
    deadline = time.monotonic() + args.settle
    while time.monotonic() < deadline and not expected <= tally.received.keys():
        await asyncio.sleep(0.2)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    result = figures(tally, commits, expected, connect_seconds)
    pushes = sorted(published["push_seconds"].values())
    result["publisher_push_ms_p50"] = round(percentile(pushes, 0.5) * 1000, 1)
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(tally: Tally, commits: dict[int, float], expected: set[tuple[int, int]],
            connect_seconds: float) -> dict[str, Any]:
    latencies = [(times[0] - commits[key[1]]) * 1000 for key, times in tally.received.items()
                 if key in expected]
    by_event: dict[int, list[float]] = {}
    for (_, event_id), times in tally.received.items():
        if event_id in commits:
            by_event.setdefault(event_id, []).append((times[0] - commits[event_id]) * 1000)
    return {
        "clients": tally.clients,
        "clients_connected": tally.connected,
        "connect_failed": tally.failed,
        "connect_retries": tally.retries,
        **({"first_connect_failure": tally.first_failure} if tally.first_failure else {}),
        "connect_seconds": round(connect_seconds, 1),
        "events": len(commits),
        "deliveries_expected": len(expected),
        "deliveries_received": len(latencies),
        "lost": len(expected - tally.received.keys()),
        "duplicates": sum(len(t) - 1 for t in tally.received.values()),
        "latency_p50_ms": round(percentile(latencies, 0.50), 1),
        "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
        "latency_max_ms": round(max(latencies), 1) if latencies else float("nan"),
        # The last socket's wait for each event, in publishing order: one slow event (a
        # busy moment on the machine) shows up here rather than hiding in the p95.
        "latency_max_ms_by_event": [round(max(v), 1) for _, v in sorted(by_event.items())],
    }


# --------------------------------------------------------------------------- publisher


def publish(count: int, gap: float) -> dict[str, dict[int, float]]:
    """Write `count` events for every load-test user, each in its own transaction, and
    stamp the moment each COMMIT returned (where the latency clock starts)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from notifications.services import event_emit

    users = list(get_user_model().objects.filter(username__startswith="family"))
    commits: dict[int, float] = {}
    pushed: dict[int, float] = {}
    for i in range(count):
        stamp: dict[str, float] = {}
        with transaction.atomic():
            # Registered before event_emit's push, so it runs first, right after COMMIT.
            transaction.on_commit(lambda s=stamp: s.setdefault("t", time.time()))
            event = event_emit(type=EVENT_TYPE, title=f"bench {i}", recipients=users)
        pushed[event.pk] = time.time() - stamp["t"]  # the push ran on commit, in this thread
        commits[event.pk] = stamp["t"]
        time.sleep(gap)
    return {"commits": commits, "push_seconds": pushed}


# --------------------------------------------------------------------------- main


def stop_server(server: subprocess.Popen, *, profiled: bool) -> None:
    if profiled:  # let it stop its reactor and write the profile
        server.send_signal(signal.SIGUSR1)
        try:
            server.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            pass
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def server_errors(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(line.startswith("Traceback") for line in log.read_text(errors="replace")
               .splitlines())


def main() -> None:
    args = parse_args()
    if args.publish:
        print(json.dumps(publish(args.publish, args.gap)))
        return
    limit = raise_open_file_limit(2 * args.clients + 256)
    if args.workdir:
        tmp = Path(args.workdir)
        tmp.mkdir(parents=True, exist_ok=True)
        args.keep = True
    else:
        tmp = Path(tempfile.mkdtemp(prefix="fanout-"))
    env = server_env(tmp, args)
    log = tmp / "daphne.log"
    try:
        tokens = prepare(env, args.clients)
        port = free_port()
        server = start_server(env, port, log, args.profile)
        try:
            result = asyncio.run(measure(port, tokens, env, args, server))
        finally:
            stop_server(server, profiled=bool(args.profile))
        result.update(layer=args.layer, server_errors=server_errors(log),
                      open_file_limit=limit, cpu_count=os.cpu_count() or 0)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        for name, value in result.items():
            print(f"{name}: {value}")
        if args.keep:
            print(f"kept: {tmp}")


if __name__ == "__main__":
    main()
