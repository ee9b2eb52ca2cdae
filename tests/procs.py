"""Private processes for fault tests: our own redis-server, daphne and manage.py commands
on free loopback ports, each stopped by the test that started it (never the machine's
shared PostgreSQL or Redis)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DAPHNE = str(Path(sys.executable).parent / "daphne")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str,
             every: float = 0.1) -> None:
    """Wait on a condition, not a clock: generous on a loaded two-core machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def sqlite_env(db_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a process of ours on its own SQLite file (never the test database)."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "REDIS_CHANNEL_LAYER"}}
    env.update(SQLITE_PATH=str(db_path), DJANGO_SETTINGS_MODULE="scheduler.settings",
               PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    out = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def run_script(env: dict[str, str], script: Path, *args: str, timeout: float = 300) -> str:
    out = subprocess.run([PYTHON, str(script), *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


_migrated: dict[str, Path] = {}


def migrated_sqlite(tmp_path: Path) -> Path:
    """A fresh migrated SQLite file: migrated once per test run, then copied."""
    if "db" not in _migrated:
        template = Path(tempfile.mkdtemp(prefix="faults-")) / "template.sqlite3"
        manage(sqlite_env(template), "migrate", "--noinput", "-v0")
        _migrated["db"] = template
    target = tmp_path / "faults.sqlite3"
    shutil.copyfile(_migrated["db"], target)
    return target


class Redis:
    """A private redis-server on a free port, no persistence: a restart forgets everything."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), timeout=30, what="redis-server")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None
        wait_for(lambda: not port_open(self.port), timeout=30, what="redis-server to stop")


class Daphne:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [DAPHNE, "-b", "127.0.0.1", "-p", str(self.port), "scheduler.asgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

        def serving() -> bool:
            assert self.proc.poll() is None, f"daphne died; see {log}"
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/login/", timeout=2)
                return True
            except httpx.HTTPError:
                return False

        wait_for(serving, timeout=60, what=f"daphne on port {self.port}", every=0.3)

    def kill(self) -> None:
        """SIGKILL: no goodbye to anyone, as when a machine loses a process."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
