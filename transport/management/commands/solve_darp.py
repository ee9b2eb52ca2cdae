"""Solve a dial-a-ride instance in Cordeau's format with the planner's own solver.

    python manage.py solve_darp FILE --time-limit 10 [--seed S] [--json]

Prints each vehicle's route as node ids (0 the start depot, 2N+1 the end depot) and the total
distance; with --json one object with the routes, their service start times, the unserved
requests with reasons, the cost and the seconds spent.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transport.routing.cordeau import CordeauFormatError, read_cordeau
from transport.routing.problem import Problem, Solution
from transport.routing.solver import solve


class Command(BaseCommand):
    help = "Solve a DARP instance in Cordeau's format and print the routes and total distance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the instance, e.g. ../shared/benchmarks/darp/a2-16.txt")
        parser.add_argument("--time-limit", type=float, default=10.0,
                            help="seconds of search (default 10)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit must be a positive number of seconds")
        try:
            problem = read_cordeau(options["file"])
        except CordeauFormatError as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        solution = solve(problem, time_limit=options["time_limit"], seed=options["seed"])
        if options["json"]:
            self.stdout.write(json.dumps(solution_json(problem, solution)))
        else:
            self.stdout.write(solution_text(problem, solution))


def solution_json(problem: Problem, solution: Solution) -> dict[str, Any]:
    """Node ids are the instance's own (the parser keeps them as node indexes)."""
    return {
        "cost": round(solution.cost, 6),
        "seconds": round(solution.seconds, 3),
        "vehicles": len(problem.vehicles),
        "requests": len(problem.requests),
        "served": len(problem.requests) - len(solution.unserved),
        "routes": [{"vehicle": r.vehicle, "nodes": r.nodes,
                    "times": [round(x, 6) for x in r.times]} for r in solution.routes],
        "unserved": [{"request": problem.requests[i].pickup, "reason": why}
                     for i, why in solution.unserved.items()],
    }


def solution_text(problem: Problem, solution: Solution) -> str:
    lines = [f"vehicle {r.vehicle}: {' '.join(str(n) for n in r.nodes)}"
             for r in solution.routes]
    lines += [f"unserved request {problem.requests[i].pickup}: {why}"
              for i, why in solution.unserved.items()]
    lines.append(f"total distance: {solution.cost:.2f}")
    return "\n".join(lines)
