"""Two daphne processes share one population through Redis: an event caused through one
process reaches a socket connected to the other."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


# CI starts Redis, so there a missing Redis fails loudly; a newcomer without Redis skips.
pytestmark = pytest.mark.skipif(
    not redis_reachable() and os.environ.get("CI") != "true",
    reason="needs Redis on 127.0.0.1:6379 (CI always runs this test)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # Both processes share one SQLite file (independent of the test database) and Redis.
    env.update(SQLITE_PATH=str(tmp_path / "two.sqlite3"), REDIS_URL=REDIS_URL,
               DJANGO_SETTINGS_MODULE="scheduler.settings")
    return env


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=300)
    return out.stdout


def wait_until_serving(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "daphne died"
        try:
            httpx.get(f"http://127.0.0.1:{port}/login/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"daphne on port {port} did not start")


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[int, int, dict]]:
    env = server_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    demo = json.loads(manage(env, "seed_demo", "--json"))
    ports = [free_port(), free_port()]
    daphne = str(Path(sys.executable).parent / "daphne")
    procs = [subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(p),
                               "scheduler.asgi:application"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for p in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_until_serving(port, proc)
        yield ports[0], ports[1], demo
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def token_of(demo: dict, username: str) -> str:
    return next(login["token"] for login in demo["logins"] if login["username"] == username)


def book_through(port: int, token: str) -> int:
    """The caregiver books her first open in-person session through this process."""
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}",
                          headers={"Authorization": f"Token {token}"}, timeout=10)
    household = client.get("/api/v1/household/").json()
    resident = household["residents"][0]["id"]
    visitors = [v["id"] for v in household["visitors"]]
    session = client.get("/api/v1/sessions/", params={"resident": resident,
                                                      "kind": "in_person"}).json()[0]["id"]
    response = client.post("/api/v1/bookings/", json={
        "session_id": session, "resident_id": resident, "visitor_ids": visitors})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_event_caused_on_one_process_reaches_a_socket_on_the_other(two_servers) -> None:
    port_a, port_b, demo = two_servers
    uri = f"ws://127.0.0.1:{port_b}/ws/live/?token={token_of(demo, 'liaison')}"

    async def scenario() -> dict:
        async with connect(uri, origin="http://127.0.0.1") as ws:
            booking_id = await asyncio.to_thread(book_through, port_a, token_of(demo, "rosa"))
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message["type"] == "visits.booking.requested":
                    return {"message": message, "booking_id": booking_id}

    seen = asyncio.run(scenario())
    assert seen["message"]["data"]["booking_id"] == seen["booking_id"]
    assert seen["message"]["id"] > 0
    assert "prison_id" not in json.dumps(seen["message"])
