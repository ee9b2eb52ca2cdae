"""Schemathesis against a live server: every operation of the OpenAPI schema, as each persona.

Starts, all on 127.0.0.1 and free ports: localstripe (so donation starts reach a Stripe),
then daphne on a fresh SQLite database seeded with the demo (`seed_demo`, `seed_transport`).
Runs schemathesis once per persona (caregiver, liaison, coordinator, driver, anonymous) with
a fixed seed and a bounded number of examples, and fails on any server error or any answer
that does not match the schema. Stops everything it started.

Run: .venv/bin/python .ci/schemathesis.py [--examples 5] [--seed 18]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PERSONAS = ("caregiver", "liaison", "coordinator", "driver", "anonymous")
# Server errors and schema mismatches. Not status_code_conformance: the schema documents
# the success answers; every 4xx has the one documented error shape, checked by the tests.
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(tmp: Path, stripe_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({
        "SQLITE_PATH": str(tmp / "schemathesis.sqlite3"),
        "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        # Thousands of requests from one address and token: the throttles are tested
        # elsewhere, here they would only answer 429 instead of exercising the API.
        "API_THROTTLE_USER": "100000/min", "API_THROTTLE_ANON": "100000/min",
        "DONATION_THROTTLE": "100000/min",
        "DEBUG": "false", "LOG_LEVEL": "ERROR", "PYTHONUNBUFFERED": "1",
    })
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout


def start_localstripe() -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, "tests/fund/localstripe_server.py"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(proc.stdout.readline().strip())
    return proc, port


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url}")


def tokens(seed_json: str) -> dict[str, str]:
    logins = json.loads(seed_json)["logins"]
    found: dict[str, str] = {}
    for login in logins:
        found.setdefault(login["role"], login["token"])
    return found


def run_persona(name: str, token: str | None, base: str, args: argparse.Namespace) -> int:
    command = [
        str(BIN / "schemathesis"), "run", f"{base}/api/schema/", "--url", base,
        "--checks", CHECKS, "--seed", str(args.seed), "--max-examples", str(args.examples),
        "--workers", "1", "--phases", "examples,coverage,fuzzing", "--no-shrink",
        "--request-timeout", "30", "--suppress-health-check", "all", "--warnings", "off",
    ]
    if token:
        command += ["--header", f"Authorization: Token {token}"]
    print(f"== schemathesis as {name}", flush=True)
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    print("\n".join(lines if result.returncode else lines[-6:]))
    print(f"   {name}: exit {result.returncode} in {time.monotonic() - started:.0f} s",
          flush=True)
    return result.returncode


def run_all(args: argparse.Namespace, tmp: Path, log: object) -> list[str]:
    """Seed, serve, and run each persona; the personas that failed."""
    stripe, stripe_port = start_localstripe()
    env = server_env(tmp, stripe_port)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        manage(env, "migrate", "--noinput")
        keys = tokens(manage(env, "seed_demo", "--json", "--url", base + "/"))
        manage(env, "seed_transport")
        server = subprocess.Popen(
            [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port),
             "scheduler.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
        wait_for(f"{base}/api/schema/")
        chosen = [p for p in PERSONAS if not args.only or p in args.only.split(",")]
        return [p for p in chosen if run_persona(p, keys.get(p), base, args) != 0]
    finally:
        for proc in (server, stripe):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--only", default="", help="comma-separated personas")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as tmp:
        log_path = Path(tmp) / "server.log"
        with log_path.open("w") as log:
            failed = run_all(args, Path(tmp), log)
        if failed:
            print(log_path.read_text()[-5000:])
            print(f"schemathesis found problems for: {', '.join(failed)}")
            return 1
    print("schemathesis: 0 failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
