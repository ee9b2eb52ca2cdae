"""Booking rush: many families booking at once, against daphne on PostgreSQL.

Starts its own server (daphne, `scheduler.asgi:application`, bound to 127.0.0.1 on free
ports) on its own database (dropped and created afresh, migrated, seeded with
`manage.py seed_demo --households N --json`), then runs three timed phases with the same
clients (asyncio + aiohttp, one keep-alive connection each, token auth; aiohttp, not httpx,
because the clients share the machine's cores with the server: httpx spent 2.1 ms of CPU per
request, aiohttp 0.33 ms, against a server that answers at once):

  bare   GET /api/v1/me/, the bare authenticated endpoint the ratios divide by;
  one    every client books the same session (its capacity set to --places);
  many   every client books sessions spread over all bookable sessions of the facility.

Each phase runs in two halves of --duration/2, in mirrored order (bare, one, many, many,
one, bare), so that every phase sits at the same mean time: a machine that drifts during
the run tilts no ratio. The rate of each half is printed too, to show the noise.

With --scaling A,B (e.g. 1,2) the run compares A and B server processes in one run, on one
database: four segments in mirrored order (A, B, B, A), each starting its own servers and
running every phase for --duration/2 (in reverse order in the last two), so that both
process counts and every phase sit at the same mean time. Each process count gets a one
session of its own (--places each), so each sees the same rush: first places taken, then
refusals. It prints every figure for each count (p1_..., p2_...) and scaling_* = B / A.

Each booking attempt carries a fresh Idempotency-Key. Afterwards the database itself is
checked: no session holds more live bookings than its capacity, the `held` counters agree
with the bookings, and the bookings in the database are exactly the 201 answers.

Prints one `name: value` line per figure, or one JSON object with --json.
Run: .venv/bin/python bench/booking_rush.py [--duration 10] [--clients 100] [--processes N]
     [--scaling 1,2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIND = "127.0.0.1"
ME_PATH = "/api/v1/me/"
BOOK_PATH = "/api/v1/bookings/"
MISSING_SESSION_ID = 2_147_483_000  # warm-up: the booking path up to "session not found"
QUOTA_FOR_BENCH = 10_000


# --------------------------------------------------------------------------- options


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=10.0, help="seconds per phase (10)")
    p.add_argument("--clients", type=int, default=100, help="concurrent clients (100)")
    p.add_argument("--households", type=int, default=0,
                   help="households to seed (default: one per client; at least --clients)")
    p.add_argument("--places", type=int, default=50,
                   help="capacity given to the one rushed session (50)")
    p.add_argument("--many-capacity", type=int, default=0,
                   help="capacity of each session in the many-session phase "
                        "(default: the household count, so quotas and places never refuse)")
    p.add_argument("--processes", type=int, default=1, help="daphne processes (1)")
    p.add_argument("--scaling", default="",
                   help="A,B: compare A and B processes in one mirrored run (e.g. 1,2)")
    p.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                   help="PostgreSQL server URL without a database name")
    p.add_argument("--database", default="bench_visits",
                   help="database to drop, create and use (bench_visits)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15",
                   help="REDIS_URL for the server's channel layer; '' for in-memory")
    p.add_argument("--phases", default="bare,one,many",
                   help="comma-separated phases to run, in order (bare,one,many)")
    p.add_argument("--seed", type=int, default=1, help="random seed for session order")
    p.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    args.households = max(args.households or args.clients, args.clients)
    args.many_capacity = args.many_capacity or args.households
    args.phases = [x.strip() for x in args.phases.split(",") if x.strip()]
    unknown = set(args.phases) - {"bare", "one", "many"}
    if unknown or args.clients < 1 or args.processes < 1 or args.duration <= 0:
        p.error(f"bad options (unknown phases: {sorted(unknown)})" if unknown else "bad options")
    if "bare" not in args.phases:
        p.error("the bare phase is needed for the ratios")
    try:
        args.scaling = [int(x) for x in args.scaling.split(",")] if args.scaling else []
    except ValueError:
        p.error("--scaling takes two process counts, e.g. 1,2")
    if args.scaling and (len(args.scaling) != 2 or min(args.scaling) < 1
                         or args.scaling[0] == args.scaling[1]):
        p.error("--scaling takes two different process counts, e.g. 1,2")
    return args


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- database


def database_url(args: argparse.Namespace) -> str:
    return f"{args.postgres.rstrip('/')}/{args.database}"


def recreate_database(args: argparse.Namespace, *, create: bool = True) -> None:
    with psycopg.connect(f"{args.postgres.rstrip('/')}/postgres", autocommit=True) as conn:
        name = sql.Identifier(args.database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "scheduler.settings",
        "DATABASE_URL": database_url(args),
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # A rush is many requests per token by design: measure the API, not its throttle.
        "API_THROTTLE_USER": "1000000/min",
        "API_THROTTLE_ANON": "1000000/min",
    })
    return env


def manage(args: argparse.Namespace, *command: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        cwd=ROOT, env=server_env(args), capture_output=True, text=True, check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def django_setup(args: argparse.Namespace) -> None:
    """Use the ORM in this process (for setup and checks only, never during the load)."""
    os.environ.update({k: v for k, v in server_env(args).items()
                       if k in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}})
    os.environ["DB_POOL_MIN"] = "1"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def django_close() -> None:
    if "django" not in sys.modules:
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()
        with contextlib.suppress(Exception):
            conn.close_pool()


@dataclass
class Household:
    token: str
    resident_id: int
    visitor_ids: list[int]
    sessions: list[int] = field(default_factory=list)  # many-phase order, cycled
    next_session: int = 0


@dataclass
class Plan:
    households: list[Household]
    one_sessions: list[int]  # one per process count (one in a plain run)
    many_sessions: list[int]
    facility: str


def prepare(args: argparse.Namespace, seeded: dict[str, Any]) -> Plan:
    """Give each household its own resident at the first facility, and pick the sessions.

    seed_demo cycles its households over four residents, so one session could take at
    most three of them (one live booking per resident per session) and quotas would refuse
    almost everything. A real rush is many families, each visiting their own relative, so
    each seeded household gets a resident of its own here. The facility's quotas are raised
    and the sessions' capacities set so that the many-session phase measures real bookings;
    every rule is still checked on every attempt.
    """
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from visits.facts import session_facts
    from visits.models import (
        ApprovedVisitor,
        Facility,
        HousingUnit,
        Resident,
        Session,
        SessionStatus,
        VisitingRule,
        VisitKind,
    )
    from visits.rules import booking_window

    facility = Facility.objects.get(pk=seeded["facilities"][0]["id"])
    units = list(HousingUnit.objects.filter(facility=facility).order_by("pk")) or [None]
    rows = seeded["households"][: args.households]
    if len(rows) < args.households:
        raise RuntimeError(f"seed_demo made {len(rows)} households, {args.households} wanted")
    with transaction.atomic():
        residents = Resident.objects.bulk_create([
            Resident(facility=facility, unit=units[i % len(units)], first_name="Resident",
                     last_name=f"Bench{i}", prison_id=f"BENCH{i:06d}")
            for i in range(len(rows))
        ])
        for row, resident in zip(rows, residents, strict=True):
            ApprovedVisitor.objects.filter(visitor_id__in=row["visitor_ids"]).update(
                resident=resident
            )
        VisitingRule.objects.filter(facility=facility).update(
            weekly_quota=QUOTA_FOR_BENCH, monthly_quota=QUOTA_FOR_BENCH
        )
        # Bookable now and still bookable when the last phase ends.
        margin = dt.timedelta(seconds=len(args.phases) * args.duration + 900)
        now = timezone.now()
        bookable = []
        for session in (Session.objects.filter(facility=facility, status=SessionStatus.OPEN)
                        .select_related("rule", "facility").order_by("starts_at", "pk")):
            opens, closes = booking_window(session_facts(session))
            if opens <= now and now + margin < closes and session.held == 0:
                bookable.append(session)
        in_person = [s for s in bookable if s.kind == VisitKind.IN_PERSON]
        if not in_person:
            raise RuntimeError("no bookable in-person session at the first facility")
        targets = _one_sessions(in_person, 2 if args.scaling else 1)
        many = [s for s in bookable if not any(_overlap(s, t) for t in targets)]
        Session.objects.filter(pk__in=[t.pk for t in targets]).update(capacity=args.places)
        Session.objects.filter(pk__in=[s.pk for s in many]).update(capacity=args.many_capacity)
    households = [Household(token=row["token"], resident_id=resident.pk,
                            visitor_ids=list(row["visitor_ids"]))
                  for row, resident in zip(rows, residents, strict=True)]
    rng = random.Random(args.seed)
    for household in households:
        household.sessions = [s.pk for s in many]
        rng.shuffle(household.sessions)
    return Plan(households, [t.pk for t in targets], [s.pk for s in many], facility.name)


def _overlap(a: Any, b: Any) -> bool:
    return a.starts_at < b.ends_at and a.ends_at > b.starts_at


def _one_sessions(in_person: list[Any], count: int) -> list[Any]:
    """The first `count` in-person sessions that do not overlap each other: a family who
    booked one may book the next, so each rush is a rush for places, not for time."""
    chosen: list[Any] = []
    for session in in_person:
        if not any(_overlap(session, c) for c in chosen):
            chosen.append(session)
        if len(chosen) == count:
            return chosen
    raise RuntimeError(f"{count} bookable in-person sessions that do not overlap are needed")


def verify(plan: Plan) -> dict[str, Any]:
    """What the database says after the run (the server's answers are not trusted): totals,
    and under "one" the bookings and overbooking of each one session."""
    from django.db.models import Count, F, Q

    from visits.models import HOLDING_STATUSES, Booking, Session

    holding = Q(bookings__status__in=list(HOLDING_STATUSES))
    sessions = Session.objects.annotate(live=Count("bookings", filter=holding))
    overbooked = sessions.filter(live__gt=F("capacity"))
    bench_ids = {h.resident_id for h in plan.households}
    made = Booking.objects.filter(resident_id__in=bench_ids)
    return {
        "one": {pk: {"one_session_db_bookings": made.filter(session_id=pk).count(),
                     "one_session_overbooked": overbooked.filter(pk=pk).count()}
                for pk in plan.one_sessions},
        "many_sessions_db_bookings": made.filter(session_id__in=plan.many_sessions).count(),
        "many_sessions_overbooked": overbooked.filter(pk__in=plan.many_sessions).count(),
        "overbooked_sessions_total": overbooked.count(),
        "held_counter_mismatches": sessions.exclude(live=F("held")).count(),
    }


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((BIND, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    proc: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{BIND}:{self.port}"

    @property
    def worker_pids(self) -> list[int]:
        """The daphne processes `scheduler.serve` started (their CPU is the server's)."""
        with contextlib.suppress(OSError):
            path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            return [int(pid) for pid in path.read_text().split()]
        return []

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-3000:]
        return ""


def start_servers(args: argparse.Namespace, log_dir: Path, processes: int) -> list[Server]:
    """N daphne processes on one port, as `make serve WORKERS=N` runs them."""
    port = free_port()
    log_path = log_dir / f"daphne-{port}.log"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler.serve", "--host", BIND, "--port", str(port),
             "--workers", str(processes)],
            cwd=ROOT, env=server_env(args), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = Server(port, proc, log_path)
    wait_ready(server)
    return [server]


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"daphne exited ({server.proc.returncode}):\n{server.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(server.url + ME_PATH, timeout=2.0)
            return
        time.sleep(0.2)
    raise RuntimeError(f"daphne did not answer within {timeout:.0f}s:\n{server.log_tail()}")


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.proc.poll() is None:
            server.proc.terminate()
    for server in servers:
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)


# --------------------------------------------------------------------------- load


@dataclass
class Outcome:
    latency: float
    key: str  # "201", "409 session_full", "422 resident_busy", "error ReadTimeout"


@dataclass
class PhaseResult:
    outcomes: list[Outcome]
    elapsed: float
    server_cpu: float = 0.0  # CPU seconds of the daphne processes during the phase
    machine_busy: float = 0.0  # share of all cores busy during the phase (0..1)
    client_cpu: float = 0.0  # CPU seconds of this process (the load generator) meanwhile
    half_rates: list[float] = field(default_factory=list)  # per half, to show the noise

    @property
    def rate(self) -> float:
        return len(self.outcomes) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, q: float) -> float:
        values = sorted(o.latency for o in self.outcomes)
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    def counts(self) -> Counter[str]:
        return Counter(o.key for o in self.outcomes)

    @classmethod
    def merged(cls, parts: list[PhaseResult]) -> PhaseResult:
        elapsed = sum(p.elapsed for p in parts)
        busy = sum(p.machine_busy * p.elapsed for p in parts) / elapsed if elapsed else 0.0
        result = cls([o for p in parts for o in p.outcomes], elapsed,
                     sum(p.server_cpu for p in parts), busy,
                     sum(p.client_cpu for p in parts))
        result.half_rates = [p.rate for p in parts]
        return result


@dataclass(frozen=True)
class Answer:
    """What a client keeps of a response: its status and its body."""

    status: int
    body: bytes


async def answer_of(response: aiohttp.ClientResponse) -> Answer:
    return Answer(response.status, await response.read())


def outcome_key(answer: Answer) -> str:
    if answer.status < 400:
        return str(answer.status)
    try:
        body = json.loads(answer.body)
    except ValueError:
        return str(answer.status)
    violations = body.get("violations") if isinstance(body, dict) else None
    if violations:
        codes = sorted({v.get("code", "?") for v in violations})
        return f"{answer.status} {'+'.join(codes)}"
    code = body.get("code") if isinstance(body, dict) else None
    return f"{answer.status} {code}" if code else str(answer.status)


Client = aiohttp.ClientSession
Request = Callable[[Client, int], Awaitable[Answer]]


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores (Linux); (0, 0) elsewhere."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


async def run_phase(clients: list[Client], request: Request,
                    duration: float, server_pids: list[int]) -> PhaseResult:
    outcomes: list[Outcome] = []
    cpu0 = sum(process_cpu_seconds(pid) for pid in server_pids)
    own0 = time.process_time()
    busy0, total0 = machine_ticks()
    start = time.perf_counter()
    deadline = start + duration

    async def worker(i: int, client: Client) -> None:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                answer = await request(client, i)
                key = outcome_key(answer)
            except (TimeoutError, aiohttp.ClientError) as exc:
                key = f"error {type(exc).__name__}"
            outcomes.append(Outcome(time.perf_counter() - t0, key))

    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    elapsed = time.perf_counter() - start
    busy1, total1 = machine_ticks()
    cpu1 = sum(process_cpu_seconds(pid) for pid in server_pids)
    own = time.process_time() - own0
    busy = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
    return PhaseResult(outcomes, elapsed, cpu1 - cpu0, busy, own)


def fresh_headers() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@dataclass
class Segment:
    """Servers started once, then phases of --duration/2 each, in this order."""

    processes: int
    phases: list[str]
    one_session: int


def segments_of(args: argparse.Namespace, plan: Plan) -> list[Segment]:
    """A plain run: one segment, each phase in two halves in mirrored order (bare, one, many,
    many, one, bare), so that every phase sits at the same mean time and a machine that
    drifts during the run tilts no ratio. --scaling A,B: A, B, B, A, the last two with the
    phases reversed, for the same reason across process counts."""
    order = list(args.phases)
    if not args.scaling:
        return [Segment(args.processes, [*order, *reversed(order)], plan.one_sessions[0])]
    (a, b), (one_a, one_b) = args.scaling, plan.one_sessions
    return [Segment(a, order, one_a), Segment(b, order, one_b),
            Segment(b, order[::-1], one_b), Segment(a, order[::-1], one_a)]


class Turns:
    """Which household each client books for next: the same across segments, so that a
    household moves on to sessions it has not booked yet."""

    def __init__(self, plan: Plan, clients: int) -> None:
        self.own = [plan.households[i::clients] for i in range(clients)]
        self.turn = [0] * clients

    def next_household(self, i: int) -> Household:
        household = self.own[i][self.turn[i] % len(self.own[i])]
        self.turn[i] += 1
        return household


async def load(args: argparse.Namespace, servers: list[Server], segment: Segment,
               turns: Turns) -> dict[str, list[PhaseResult]]:
    """Run one segment's phases; each phase's parts, in the order they ran."""
    own, next_household = turns.own, turns.next_household

    def booking(household: Household, session_id: int) -> dict[str, Any]:
        return {"session_id": session_id, "resident_id": household.resident_id,
                "visitor_ids": household.visitor_ids}

    async def me(client: Client, i: int) -> Answer:
        async with client.get(
            ME_PATH, headers={"Authorization": f"Token {own[i][0].token}"}
        ) as response:
            return await answer_of(response)

    async def book(client: Client, household: Household, session_id: int) -> Answer:
        async with client.post(
            BOOK_PATH, json=booking(household, session_id),
            headers={"Authorization": f"Token {household.token}", **fresh_headers()},
        ) as response:
            return await answer_of(response)

    async def book_one(client: Client, i: int) -> Answer:
        return await book(client, next_household(i), segment.one_session)

    async def book_many(client: Client, i: int) -> Answer:
        household = next_household(i)
        session_id = household.sessions[household.next_session % len(household.sessions)]
        household.next_session += 1
        return await book(client, household, session_id)

    async def warm(client: Client, i: int) -> None:
        for _ in range(3):
            await me(client, i)
        await book(client, own[i][0], MISSING_SESSION_ID)

    requests: dict[str, Request] = {"bare": me, "one": book_one, "many": book_many}
    timeout = aiohttp.ClientTimeout(total=60.0)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(aiohttp.ClientSession(
                base_url=servers[i % len(servers)].url, timeout=timeout,
                connector=aiohttp.TCPConnector(limit=1)))  # one keep-alive connection each
            for i in range(args.clients)
        ]
        await asyncio.gather(*(warm(c, i) for i, c in enumerate(clients)))
        parts: dict[str, list[PhaseResult]] = {phase: [] for phase in args.phases}
        for phase in segment.phases:
            log(f"phase {phase}: {args.clients} clients for {args.duration / 2:g}s "
                f"(daphne x{segment.processes})")
            parts[phase].append(await run_phase(clients, requests[phase], args.duration / 2,
                                                [pid for s in servers for pid in s.worker_pids]))
    return parts


# --------------------------------------------------------------------------- report


def figures(args: argparse.Namespace, plan: Plan, results: dict[str, PhaseResult],
            checks: dict[str, Any], processes: int) -> dict[str, Any]:
    """One process count's figures; `checks` holds the database's counts for its phases
    (the many sessions' only in a plain run: in a scaling run both counts share them)."""
    out: dict[str, Any] = {
        "server_processes": processes,
        "clients": args.clients,
        "households": len(plan.households),
        "phase_seconds": args.duration,
    }
    bare = results["bare"]
    bare_rate = bare.rate
    out["bare_requests_per_s"] = round(bare.rate, 1)
    out["bare_requests_per_s_halves"] = halves_text(bare)
    out["bare_p50_ms"] = round(bare.percentile_ms(0.50), 1)
    out["bare_p95_ms"] = round(bare.percentile_ms(0.95), 1)
    out["bare_errors"] = sum(n for k, n in bare.counts().items() if k != "200")
    out.update(cpu_figures("bare", bare))
    names = {"one": "one_session", "many": "many_sessions"}
    for phase in ("one", "many"):
        if phase not in results:
            continue
        name, result = names[phase], results[phase]
        counts = result.counts()
        made = counts.get("201", 0)
        refused = {k: n for k, n in counts.items() if k != "201" and k[:1] == "4"}
        errors = {k: n for k, n in counts.items() if k != "201" and k[:1] != "4"}
        out[f"{name}_sessions"] = 1 if phase == "one" else len(plan.many_sessions)
        out[f"{name}_places"] = (args.places if phase == "one"
                                 else args.many_capacity * len(plan.many_sessions))
        out[f"{name}_attempts"] = len(result.outcomes)
        out[f"{name}_attempts_per_s"] = round(result.rate, 1)
        out[f"{name}_attempts_per_s_halves"] = halves_text(result)
        out[f"{name}_p50_ms"] = round(result.percentile_ms(0.50), 1)
        out[f"{name}_p95_ms"] = round(result.percentile_ms(0.95), 1)
        out[f"{name}_bookings"] = made
        out[f"{name}_bookings_per_s"] = round(made / result.elapsed, 1)
        for check in ("db_bookings", "overbooked"):
            if f"{name}_{check}" in checks:
                out[f"{name}_{check}"] = checks[f"{name}_{check}"]
        out[f"{name}_refused"] = sum(refused.values())
        for key, n in sorted(refused.items()):
            out[f"{name}_refused_{slug(key)}"] = n
        out[f"{name}_errors"] = sum(errors.values())
        for key, n in sorted(errors.items()):
            out[f"{name}_errors_{slug(key)}"] = n
        out.update(cpu_figures(name, result))
        out[f"{name}_ratio_to_bare"] = round(result.rate / bare_rate, 3) if bare_rate else 0.0
    return out


def report(args: argparse.Namespace, plan: Plan, parts: dict[int, dict[str, list]],
           checks: dict[str, Any], total_seconds: float) -> dict[str, Any]:
    """Every figure of a plain run, or of each process count of a scaling run (p1_...,
    p2_...) with scaling_* (B's attempts per second over A's, phase by phase); then what
    the database says of the whole run."""
    merged = {n: {phase: PhaseResult.merged(p) for phase, p in by_phase.items()}
              for n, by_phase in parts.items()}
    ones = dict(zip(segments_processes(args), plan.one_sessions, strict=True))
    out: dict[str, Any] = {}
    for n, results in merged.items():
        own_checks = dict(checks["one"][ones[n]])
        if not args.scaling:
            own_checks.update({k: v for k, v in checks.items() if k.startswith("many_")})
        prefix = f"p{n}_" if args.scaling else ""
        out.update({prefix + k: v for k, v in
                    figures(args, plan, results, own_checks, n).items()})
    if args.scaling:
        a, b = args.scaling
        for phase, name in (("bare", "bare"), ("one", "one_session"), ("many", "many_sessions")):
            if phase in merged[a] and merged[a][phase].rate:
                out[f"scaling_{name}"] = round(merged[b][phase].rate / merged[a][phase].rate, 3)
        out["many_sessions_db_bookings"] = checks["many_sessions_db_bookings"]
        out["many_sessions_answers_201"] = sum(
            merged[n]["many"].counts().get("201", 0) for n in merged if "many" in merged[n])
        out["many_sessions_overbooked"] = checks["many_sessions_overbooked"]
    out["overbooked_sessions_total"] = checks["overbooked_sessions_total"]
    out["held_counter_mismatches"] = checks["held_counter_mismatches"]
    out["run_seconds"] = round(total_seconds, 1)
    return out


def segments_processes(args: argparse.Namespace) -> list[int]:
    """The process counts in the order their one sessions were picked."""
    return list(args.scaling) if args.scaling else [args.processes]


def halves_text(result: PhaseResult) -> str:
    return " / ".join(f"{rate:.1f}" for rate in result.half_rates)


def cpu_figures(name: str, result: PhaseResult) -> dict[str, float]:
    """Server CPU in % of one core (100 = one saturated daphne), machine CPU in % of all,
    the load generator's CPU in % of one core (it shares the machine with the servers)."""
    return {
        f"{name}_server_cpu_pct": round(100 * result.server_cpu / result.elapsed, 1),
        f"{name}_machine_cpu_pct": round(100 * result.machine_busy, 1),
        f"{name}_client_cpu_pct": round(100 * result.client_cpu / result.elapsed, 1),
    }


def slug(key: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in key).strip("_")


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the servers are stopped and the database dropped."""
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    servers: list[Server] = []
    created = False
    with terminate_as_interrupt(), tempfile.TemporaryDirectory(prefix="booking_rush-") as tmp:
        try:
            log(f"database {args.database}: drop, create, migrate")
            recreate_database(args)
            created = True
            manage(args, "migrate", "--noinput", "-v", "0")
            log(f"seed_demo --households {args.households}")
            seeded = json.loads(manage(args, "seed_demo", "--households",
                                       str(args.households), "--json"))
            django_setup(args)
            plan = prepare(args, seeded)
            django_close()
            log(f"{plan.facility}: one session "
                f"{', '.join(f'#{pk}' for pk in plan.one_sessions)} with {args.places} places, "
                f"{len(plan.many_sessions)} more sessions with {args.many_capacity} places")
            parts: dict[int, dict[str, list]] = {}
            turns = Turns(plan, args.clients)
            for segment in segments_of(args, plan):
                servers = start_servers(args, Path(tmp), segment.processes)
                log(f"daphne x{segment.processes} on port {servers[0].port}")
                done = asyncio.run(load(args, servers, segment, turns))
                stop_servers(servers)
                by_phase = parts.setdefault(segment.processes, {p: [] for p in args.phases})
                for phase, results in done.items():
                    by_phase[phase].extend(results)
            checks = verify(plan)
            django_close()
        except BaseException:
            for server in servers:
                tail = server.log_tail().strip()
                if tail:
                    log(f"daphne :{server.port} log tail:\n{tail}")
            raise
        finally:
            stop_servers(servers)
            django_close()
            if created and not args.keep_db:
                with contextlib.suppress(Exception):
                    recreate_database(args, create=False)
    out = report(args, plan, parts, checks, time.perf_counter() - began)
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
