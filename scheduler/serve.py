"""Run N daphne processes that share one listening socket: `python -m scheduler.serve`.

One daphne process is one Python interpreter, so it uses one core at most; a booking rush
is bound by that CPU (bench/README.md). This opens the port once, here, and hands the same
socket to every worker (`daphne --fd`): the kernel gives each new connection to whichever
worker accepts first, so no proxy sits in between and nobody needs to know the workers'
own ports. Stopping this process (Ctrl-C, SIGTERM) stops the workers; if one worker dies,
the others go on serving and this process exits when none is left.

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


def listening_socket(host: str, port: int) -> socket.socket:
    """The one socket every worker accepts on, inheritable by the workers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def start_workers(sock: socket.socket, workers: int, extra: Sequence[str] = ()) -> list:
    """Start `workers` daphne processes on the shared socket."""
    command = [sys.executable, "-m", "daphne", "--fd", str(sock.fileno()), *extra, APPLICATION]
    return [
        subprocess.Popen(command, pass_fds=(sock.fileno(),))
        for _ in range(workers)
    ]


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
    sock = listening_socket(host, port)
    procs = start_workers(sock, workers, extra)
    sock.close()  # the workers hold it now; this process only watches them

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
