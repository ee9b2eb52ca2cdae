"""Trip planning on the DARP benchmark: the planner's solver on Cordeau's and Ropke's instances.

Runs `manage.py solve_darp FILE --time-limit T --json` (the same solver code the day planner
uses) on every instance in ../shared/benchmarks/darp/, then checks each answer with a checker
of its own that reads the instance file itself and trusts nothing the solver says but the
routes and times: capacity, time windows, route duration, ride times, every request served
exactly once, pickup before drop-off on the same vehicle, and the cost recomputed from the
coordinates. Prints per instance the cost, the gap to the best-known cost in bks.csv,
feasible yes/no and the seconds; then the mean gap per set (a, b) and overall and the worst.

Run: .venv/bin/python bench/darp.py [--time-limit 10] [--only a2-16,b2-16] [--seed 0] [--json]
With `--week`, a coordinator's week of the family-visit shape instead (bench/darp_week.py):
several prisons, shared drivers, 50-150 requests a day, served share and drive time of the
full solver against its plain insertion start, each plan checked independently.
Seconds are wall-clock and include starting Django (about a second); the machine is shared,
so they and the gaps move with its load.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.darp_week` for --week
DEFAULT_DIR = ROOT.parent / "shared" / "benchmarks" / "darp"
TOL = 1e-5  # the command rounds times to 6 decimals


# --------------------------------------------------------------------------- the instance


@dataclass
class Instance:
    vehicles: int
    n: int
    duration: float
    capacity: int
    ride: float
    rows: list[tuple[float, float, float, int, float, float]]  # x y service load e l

    def dist(self, a: int, b: int) -> float:
        return math.hypot(self.rows[a][0] - self.rows[b][0], self.rows[a][1] - self.rows[b][1])


def read_instance(path: Path) -> Instance:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    k, n, duration, capacity, ride = lines[0]
    rows = [(float(x), float(y), float(s), int(q), float(e), float(lt))
            for _, x, y, s, q, e, lt in lines[1:2 * int(n) + 3]]
    return Instance(int(k), int(n), float(duration), int(capacity), float(ride), rows)


# --------------------------------------------------------------------------- the checker


def check(inst: Instance, answer: dict[str, Any]) -> tuple[list[str], float]:
    """(broken rules, cost recomputed from the coordinates)."""
    problems: list[str] = []
    seen: dict[int, int] = {}
    cost = 0.0
    vehicles = [r["vehicle"] for r in answer["routes"]]
    if len(set(vehicles)) != len(vehicles) or any(not 0 <= v < inst.vehicles for v in vehicles):
        problems.append(f"routes use vehicles {vehicles}, not distinct ones of {inst.vehicles}")
    for route in answer["routes"]:
        problems += check_route(inst, route["nodes"], route["times"], seen)
        cost += sum(inst.dist(a, b) for a, b in zip(route["nodes"], route["nodes"][1:],
                                                    strict=False))
    missing = [i for i in range(1, inst.n + 1) if i not in seen]
    if missing:
        problems.append(f"requests not served: {missing}")
    if abs(cost - answer["cost"]) > 1e-4 * max(1.0, cost):
        problems.append(f"reported cost {answer['cost']} but the routes drive {cost:.6f}")
    return problems, cost


def check_route(inst: Instance, nodes: list[int], times: list[float],
                seen: dict[int, int]) -> list[str]:
    n, end = inst.n, 2 * inst.n + 1
    if len(nodes) != len(times) or len(nodes) < 2 or nodes[0] != 0 or nodes[-1] != end:
        return [f"route {nodes} does not run from depot 0 to depot {end} with one time each"]
    problems = []
    if times[-1] - times[0] > inst.duration + TOL:
        problems.append(f"route {nodes[:3]}... lasts {times[-1] - times[0]:.2f} > {inst.duration}")
    load, at = 0, {}
    for k, node in enumerate(nodes):
        x, y, service, q, e, lt = inst.rows[node]
        if not e - TOL <= times[k] <= lt + TOL:
            problems.append(f"node {node} served at {times[k]:.3f}, outside [{e}, {lt}]")
        if k and times[k] < times[k - 1] + inst.rows[nodes[k - 1]][2] + \
                inst.dist(nodes[k - 1], node) - TOL:
            problems.append(f"node {node} served at {times[k]:.3f}, before it can be reached")
        load += q
        if not 0 <= load <= inst.capacity:
            problems.append(f"load {load} after node {node}, capacity {inst.capacity}")
        if 0 < node <= n:
            if node in seen:
                problems.append(f"request {node} picked up twice")
            seen[node] = 1
        at[node] = k
    for node in nodes[1:-1]:
        if node > n:
            problems += check_ride(inst, node - n, at, times)
    return problems


def check_ride(inst: Instance, i: int, at: dict[int, int], times: list[float]) -> list[str]:
    if i not in at:
        return [f"request {i} dropped off by a vehicle that did not pick it up"]
    if at[i] > at[i + inst.n]:
        return [f"request {i} dropped off before it was picked up"]
    ride = times[at[i + inst.n]] - times[at[i]] - inst.rows[i][2]
    if ride > inst.ride + TOL:
        return [f"request {i} rides {ride:.3f} > {inst.ride}"]
    return []


# --------------------------------------------------------------------------- running


@dataclass
class Result:
    name: str
    cost: float
    gap: float
    feasible: bool
    seconds: float
    solve_seconds: float
    served: int
    requests: int
    problems: list[str] = field(default_factory=list)


def run_one(path: Path, bks: float, time_limit: float, seed: int) -> Result:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "manage.py", "solve_darp", str(path), "--time-limit", str(time_limit),
         "--seed", str(seed), "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    name = path.stem
    if proc.returncode != 0:
        return Result(name, math.nan, math.nan, False, seconds, math.nan, 0, 0,
                      [f"solve_darp failed: {proc.stderr.strip()[-300:]}"])
    answer = json.loads(proc.stdout)
    problems, cost = check(read_instance(path), answer)
    return Result(name, cost, 100.0 * (cost - bks) / bks, not problems, seconds,
                  answer["seconds"], answer["served"], answer["requests"], problems)


def summary(results: list[Result]) -> dict[str, Any]:
    def mean(rs: list[Result]) -> float | None:
        gaps = [r.gap for r in rs if not math.isnan(r.gap)]
        return round(sum(gaps) / len(gaps), 3) if gaps else None

    worst = max(results, key=lambda r: -math.inf if math.isnan(r.gap) else r.gap)
    return {
        "instances": len(results),
        "feasible": sum(r.feasible for r in results),
        "mean_gap_a": mean([r for r in results if r.name.startswith("a")]),
        "mean_gap_b": mean([r for r in results if r.name.startswith("b")]),
        "mean_gap": mean(results),
        "worst_gap": round(worst.gap, 3),
        "worst_instance": worst.name,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (10)")
    p.add_argument("--only", default="", help="comma-separated instance names, e.g. a2-16,b2-16")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="instances and bks.csv")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--week", action="store_true",
                   help="plan a week of the family-visit shape (bench/darp_week.py)")
    p.add_argument("--days", type=int, default=7, help="with --week: days to plan (7)")
    p.add_argument("--requests", default="50-150",
                   help="with --week: ride requests a day, low-high (50-150)")
    return p.parse_args(argv)


def main_week(args: argparse.Namespace) -> int:
    from bench.darp_week import print_week, week

    low, _, high = args.requests.partition("-")
    result = week(days=args.days, low=int(low), high=int(high or low),
                  time_limit=args.time_limit, seed=args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print_week(result)
    return 0 if result["checker_days_ok"] == result["days"] else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.week:
        return main_week(args)
    with open(args.dir / "bks.csv", newline="") as fh:
        bks = {row["instance"]: float(row["bks"]) for row in csv.DictReader(fh)}
    names = [n for n in args.only.split(",") if n] or sorted(bks, key=_order)
    unknown = [n for n in names if n not in bks or not (args.dir / f"{n}.txt").exists()]
    if unknown:
        print(f"unknown instances: {', '.join(unknown)}", file=sys.stderr)
        return 2
    results = []
    for name in names:
        result = run_one(args.dir / f"{name}.txt", bks[name], args.time_limit, args.seed)
        results.append(result)
        if not args.json:
            print(_line(result), flush=True)
    figures = summary(results)
    if args.json:
        print(json.dumps({"time_limit": args.time_limit, **_plain(figures),
                          "results": [_plain(r.__dict__) for r in results]}))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 0 if figures["feasible"] == len(results) else 1


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: a failed run's missing figures become null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def _order(name: str) -> tuple[str, int, int]:
    head, tail = name.split("-")
    return head[0], int(head[1:]), int(tail)


def _line(r: Result) -> str:
    text = (f"{r.name}: cost {r.cost:.2f}  gap {r.gap:+.2f}%  feasible "
            f"{'yes' if r.feasible else 'no'}  served {r.served}/{r.requests}  "
            f"seconds {r.seconds:.1f} (solve {r.solve_seconds:.1f})")
    return text + "".join(f"\n    {p}" for p in r.problems[:5])


if __name__ == "__main__":
    sys.exit(main())
