"""`make serve WORKERS=N` (scheduler/serve.py): N daphne processes on one port.

Phones keep their connection alive and live pages keep their websocket, so whichever
process accepts a connection serves it for as long as it stays open. Connections that
arrive while the processes are still starting must not all go to the first one ready:
here 24 clients connect at once, before either worker can answer, and both workers must
end up serving some of them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scheduler.serve import listening_sockets
from tests.procs import ROOT, free_port, migrated_sqlite, port_open, sqlite_env, wait_for

CLIENTS = 24


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of the server side of established TCP connections on the port."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes.add(fields[9])
    return inodes


def _connections_of(pid: int, inodes: set[str]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


def _ask(conn: socket.socket) -> bytes:
    conn.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    conn.settimeout(60)
    return conn.recv(64)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_connections_made_while_the_workers_start_are_spread_over_them(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = sqlite_env(migrated_sqlite(tmp_path))
    server = subprocess.Popen(
        [sys.executable, "-m", "scheduler.serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    conns: list[socket.socket] = []
    try:
        # The port listens as soon as serve.py has bound it, before daphne has started:
        # these connections wait in the kernel's queues meanwhile.
        wait_for(lambda: port_open(port), timeout=30, what="the port to listen")
        conns = [socket.create_connection(("127.0.0.1", port), timeout=5)
                 for _ in range(CLIENTS)]
        answers = [_ask(conn) for conn in conns]
        assert all(answer.startswith(b"HTTP/1.1 ") for answer in answers), answers[:3]

        workers = _children(server.pid)
        assert len(workers) == 2
        inodes = _established_inodes(port)
        served = {pid: _connections_of(pid, inodes) for pid in workers}
        assert sum(served.values()) == CLIENTS
        assert all(served.values()), served  # each worker serves some of them
    finally:
        for conn in conns:
            conn.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_the_workers_listen_on_one_port_with_a_socket_each() -> None:
    socks = listening_sockets("127.0.0.1", 0, 3)
    try:
        ports = {sock.getsockname()[1] for sock in socks}
        assert len(socks) == 3 and len(ports) == 1
        # A client reaches that port whichever socket takes it.
        with socket.create_connection(("127.0.0.1", ports.pop()), timeout=5):
            time.sleep(0)
    finally:
        for sock in socks:
            sock.close()
