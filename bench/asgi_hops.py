"""Django's ASGI handler against ours (`scheduler.asgi_handler`), one request at a time.

Sends the bare authenticated request (`GET /api/v1/me/`, token auth) through each handler in
turn, in rounds that alternate the two (so a machine that drifts tilts neither), in process
through httpx's ASGI transport: what is measured is the handler's own cost per request, not
a server's. Uses DATABASE_URL (a fresh SQLite file if unset) and makes its own users.

Prints one `name: value` line per figure, or one JSON object with --json.
Run: .venv/bin/python bench/asgi_hops.py [--requests 200] [--rounds 6] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200, help="requests per handler per round")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--json", action="store_true")
    return p.parse_args(argv)


def setup() -> list[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
    os.environ.update(DEBUG="0", LOG_LEVEL="WARNING", API_THROTTLE_USER="1000000/min",
                      API_THROTTLE_ANON="1000000/min")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "hops.sqlite3")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    tokens = []
    for n in range(20):
        user, _ = User.objects.get_or_create(username=f"hops-bench-{n}")
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


async def per_request_ms(app: object, tokens: list[str], count: int) -> tuple[float, float]:
    """Wall-clock and CPU (all of the process's threads) milliseconds per request. On a
    busy machine the CPU time is the steadier figure: waiting for a core does not count."""
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        began, cpu = time.perf_counter(), time.process_time()
        for n in range(count):
            response = await client.get(
                "/api/v1/me/", headers={"Authorization": f"Token {tokens[n % len(tokens)]}"})
            if response.status_code != 200:
                raise RuntimeError(f"GET /api/v1/me/ answered {response.status_code}")
        return ((time.perf_counter() - began) / count * 1000,
                (time.process_time() - cpu) / count * 1000)


async def measure(args: argparse.Namespace, tokens: list[str]) -> dict[str, float]:
    from django.core.handlers.asgi import ASGIHandler

    from scheduler.asgi_handler import OneHopASGIHandler

    handlers = {"django": ASGIHandler(), "one_hop": OneHopASGIHandler()}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in handlers}
    await per_request_ms(handlers["django"], tokens, 20)  # warm both
    await per_request_ms(handlers["one_hop"], tokens, 20)
    for _ in range(args.rounds):
        for name, app in handlers.items():
            times[name].append(await per_request_ms(app, tokens, args.requests))
    figures = {}
    for kind, index in (("wall", 0), ("cpu", 1)):
        django_ms = statistics.median(t[index] for t in times["django"])
        one_hop_ms = statistics.median(t[index] for t in times["one_hop"])
        figures[f"django_handler_{kind}_ms_per_request"] = round(django_ms, 3)
        figures[f"one_hop_handler_{kind}_ms_per_request"] = round(one_hop_ms, 3)
        figures[f"one_hop_{kind}_speedup"] = round(django_ms / one_hop_ms, 3)
    return figures


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    figures = asyncio.run(measure(args, setup()))
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")


if __name__ == "__main__":
    main()
