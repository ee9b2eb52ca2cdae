"""A coordinator's week, the family-visit shape: several prisons, one pool of shared volunteer
drivers, 50-150 ride requests a day, each day planned as one problem across every facility.

Each day is built by the planner's own `transport.planning.build_problem` (windows from the
visit times, the longest ride, seats, child seats and wheelchair places) on straight-line
travel times, then solved twice: the plain insertion start alone (no search time) and the
full solver (insertion + large-neighbourhood search) for `--time-limit` seconds. Both answers
are checked by the tests' independent checker (tests/transport/darp_checker.py), which trusts
nothing but the routes and times. Prints per day and for the week: the share of requests
(legs) served and the total drive time, for both, and whether every plan passed the checker.

Run: .venv/bin/python bench/darp.py --week [--days 7] [--requests 50-150] [--time-limit 10]
[--seed 0] [--json]. The instance is made from the seed, so every run plans the same week.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the project and tests/ (the checker)

CHICAGO = dt.timezone(dt.timedelta(hours=-6))  # a fixed offset: the week has no DST change
MONDAY = dt.date(2027, 3, 1)  # a fixed week: the figures never depend on today
# Prisons (facility, point) and the towns families and drivers live in, all in Illinois.
FACILITIES = [
    ("Lakeview", (39.84, -88.95)), ("Danville", (40.12, -87.63)),
    ("Dwight", (41.09, -88.43)), ("Pontiac", (40.88, -88.63)),
]
TOWNS = [
    (39.78, -89.65), (40.11, -88.24), (40.48, -88.99), (40.69, -89.59), (39.12, -88.54),
    (39.48, -88.37), (39.55, -89.29), (40.15, -88.96), (41.12, -87.86), (40.52, -88.05),
    (41.52, -88.08), (39.93, -87.90), (40.93, -88.46), (39.73, -90.23),
]
SESSION_HOURS = (9, 13)


@dataclass
class DayFigures:
    day: str
    requests: int  # legs asked for
    served_insertion: int
    served_search: int
    drive_minutes_insertion: float
    drive_minutes_search: float
    checker_insertion: list[str]
    checker_search: list[str]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
    import django

    django.setup()


def _near(rng: random.Random, point: tuple[float, float], spread: float) -> tuple[float, float]:
    return (point[0] + rng.uniform(-spread, spread), point[1] + rng.uniform(-spread, spread))


def _rides(rng: random.Random, day: dt.date, count: int) -> list[Any]:
    from transport.planning import RideInput
    from transport.travel import Point

    rides = []
    for i in range(count):
        name, facility = rng.choice(FACILITIES)
        home = _near(rng, rng.choice(TOWNS), 0.08)
        starts = dt.datetime.combine(day, dt.time(rng.choice(SESSION_HOURS)), tzinfo=CHICAGO)
        children = rng.choice((0, 0, 1, 1, 2, 3))
        adults = rng.choice((1, 1, 1, 2))
        wheelchair = 1 if rng.random() < 0.04 else 0
        legs = rng.choice((("outbound", "return"),) * 4 + (("outbound",), ("return",)))
        rides.append(RideInput(
            request_id=i + 1, legs=legs, home=Point(*home), home_label=f"home {i + 1}",
            facility=Point(*facility), facility_label=name,
            load=(adults + children - wheelchair, rng.randint(0, children), wheelchair),
            earliest_pickup=starts - dt.timedelta(hours=5), session_starts=starts,
            session_ends=starts + dt.timedelta(hours=2)))
    return rides


def _drivers(rng: random.Random, day: dt.date, count: int) -> list[Any]:
    """The shared pool: each volunteer drives some days of the week, from her own town."""
    from transport.planning import DriverInput
    from transport.travel import Point

    drivers = []
    for i in range(count):
        seats = rng.choice((4, 4, 6, 7))
        start = rng.choice((5, 6, 7))
        drivers.append(DriverInput(
            driver_id=i + 1, vehicle_id=i + 1, home=Point(*_near(rng, rng.choice(TOWNS), 0.05)),
            home_label=f"driver {i + 1}",
            capacity=(seats, rng.randint(0, 2), 1 if rng.random() < 0.15 else 0),
            starts=dt.datetime.combine(day, dt.time(start), tzinfo=CHICAGO),
            ends=dt.datetime.combine(day, dt.time(start + rng.choice((10, 12, 14))),
                                     tzinfo=CHICAGO)))
    return drivers


def plan_day(day: dt.date, count: int, *, time_limit: float, seed: int) -> DayFigures:
    from tests.transport.darp_checker import violations
    from transport.planning import Rules, build_problem
    from transport.routing.solver import solve
    from transport.travel import StraightLine

    rng = random.Random(f"{seed}:{day.isoformat()}")
    rides = _rides(rng, day, count)
    drivers = _drivers(rng, day, max(6, count // 5))
    built = build_problem(rides, drivers, rules=Rules(), travel=StraightLine())
    legs = len(built.legs) + len(built.unserved)
    first = solve(built.problem, time_limit=0.0, seed=seed)  # the insertion start alone
    best = solve(built.problem, time_limit=time_limit, seed=seed)
    return DayFigures(
        day=day.isoformat(), requests=legs,
        served_insertion=len(built.legs) - len(first.unserved),
        served_search=len(built.legs) - len(best.unserved),
        drive_minutes_insertion=round(first.cost, 1), drive_minutes_search=round(best.cost, 1),
        checker_insertion=violations(built.problem, first)[:5],
        checker_search=violations(built.problem, best)[:5])


def week(*, days: int, low: int, high: int, time_limit: float, seed: int) -> dict[str, Any]:
    _setup()
    rng = random.Random(seed)
    figures = [plan_day(MONDAY + dt.timedelta(days=i), rng.randint(low, high),
                        time_limit=time_limit, seed=seed) for i in range(days)]
    asked = sum(f.requests for f in figures) or 1
    insertion = sum(f.drive_minutes_insertion for f in figures)
    search = sum(f.drive_minutes_search for f in figures)
    return {
        "days": days, "time_limit": time_limit, "legs": asked,
        "served_share_insertion": round(sum(f.served_insertion for f in figures) / asked, 4),
        "served_share_search": round(sum(f.served_search for f in figures) / asked, 4),
        "drive_minutes_insertion": round(insertion, 1),
        "drive_minutes_search": round(search, 1),
        # Minutes per leg served: fewer served legs also means less driving, so compare this.
        "minutes_per_served_leg_insertion": _per(insertion, figures, "served_insertion"),
        "minutes_per_served_leg_search": _per(search, figures, "served_search"),
        "checker_days_ok": sum(not f.checker_insertion and not f.checker_search
                               for f in figures),
        "per_day": [f.__dict__ for f in figures],
    }


def _per(minutes: float, figures: list[DayFigures], field: str) -> float | None:
    served = sum(getattr(f, field) for f in figures)
    return round(minutes / served, 2) if served else None


def print_week(result: dict[str, Any]) -> None:
    for f in result["per_day"]:
        ok = "yes" if not f["checker_insertion"] and not f["checker_search"] else "NO"
        print(f"{f['day']}: legs {f['requests']}  served {f['served_insertion']} -> "
              f"{f['served_search']}  drive {f['drive_minutes_insertion']:.0f} -> "
              f"{f['drive_minutes_search']:.0f} min  checker {ok}")
        for problem in f["checker_insertion"] + f["checker_search"]:
            print(f"    {problem}")
    for key, value in result.items():
        if key != "per_day":
            print(f"{key}: {value}")
