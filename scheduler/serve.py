"""Run N daphne processes on one port: `python -m scheduler.serve`.

One daphne process is one Python interpreter, so it uses one core at most; a booking rush
is bound by that CPU (bench/README.md). This opens the port here, once per worker, and hands
each worker its own listening socket (`daphne --fd`), all bound to the same port with
SO_REUSEPORT: the kernel spreads new connections evenly over the workers' sockets, so no
proxy sits in between and nobody needs to know the workers' own ports.

Not one socket shared by all: then the first worker ready accepted every connection that
arrived while the others were still starting, and kept them (a phone keeps its connection
alive, a live page its websocket). Measured: a `bench/booking_rush.py --scaling 1,2` run in
which two processes served at the speed of one, one of them idle. With a socket each, a
connection that arrives early waits in its own worker's queue. Where the system has no
SO_REUSEPORT, the workers share one socket as before.

Stopping this process (Ctrl-C, SIGTERM) stops the workers; if one worker dies, the others go
on serving (new connections are spread over the sockets still open) and this process exits
when none is left.

Imports no app: it only starts processes (`make serve WORKERS=N`, bench/booking_rush.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence

APPLICATION = "scheduler.asgi:application"
BACKLOG = 1024


def listening_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening socket on the port, inheritable by a worker; with `reuse_port`, one of
    several on the same port that the kernel spreads connections over."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def listening_sockets(host: str, port: int, workers: int) -> list[socket.socket]:
    """One socket per worker on the same port (SO_REUSEPORT), or one shared by all where
    the system has no SO_REUSEPORT. Port 0: the system picks one, and the others join it."""
    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        return [listening_socket(host, port)]
    first = listening_socket(host, port, reuse_port=True)
    port = first.getsockname()[1]
    return [first, *(listening_socket(host, port, reuse_port=True) for _ in range(workers - 1))]


def start_workers(socks: Sequence[socket.socket], workers: int,
                  extra: Sequence[str] = ()) -> list:
    """Start `workers` daphne processes, worker i on socket i (all on the only one, if
    there is one)."""
    procs = []
    for i in range(workers):
        fd = socks[i % len(socks)].fileno()
        command = [sys.executable, "-m", "daphne", "--fd", str(fd), *extra, APPLICATION]
        procs.append(subprocess.Popen(command, pass_fds=(fd,)))
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def serve(host: str, port: int, workers: int, extra: Sequence[str] = ()) -> int:
    """Serve until stopped; returns the exit status."""
    socks = listening_sockets(host, port, workers)
    port = socks[0].getsockname()[1]
    procs = start_workers(socks, workers, extra)
    for sock in socks:
        sock.close()  # the workers hold them now; this process only watches them

    def stop(signum: int, _frame: object) -> None:
        stop_workers(procs)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"serving on http://{host}:{port}/ with {workers} daphne processes "
          f"(pids {', '.join(str(p.pid) for p in procs)})", flush=True)
    status = 0
    for proc in procs:
        status = proc.wait() or status
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="daphne processes (default: one per core)")
    args, extra = parser.parse_known_args(argv)
    if args.workers < 1:
        parser.error("--workers must be 1 or more")
    return serve(args.host, args.port, args.workers, extra)


if __name__ == "__main__":
    raise SystemExit(main())
