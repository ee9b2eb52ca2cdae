"""Read a dial-a-ride instance in Cordeau's text format into a Problem.

First line `K N T Q L` (vehicles, requests, maximum route duration, capacity, maximum ride
time), then 2N+2 rows `id x y service load earliest latest`: 0 the start depot, 1..N the
pickups, N+i the drop-off of pickup i, 2N+1 the end depot. Travel time is the unrounded
Euclidean distance, and so is the cost.
"""

from __future__ import annotations

import math
from pathlib import Path

from .problem import Node, Problem, Request, Vehicle


class CordeauFormatError(ValueError):
    """The file is not a Cordeau DARP instance; the message says where and why."""


def read_cordeau(path: str | Path) -> Problem:
    """Parse the file at `path`; raises CordeauFormatError (also for unreadable files)."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise CordeauFormatError(f"cannot read {path}: {exc}") from exc
    return parse_cordeau(text)


def parse_cordeau(text: str) -> Problem:
    lines = [(no, line.split()) for no, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise CordeauFormatError("the file is empty")
    k, n, duration, capacity, ride = _header(*lines[0])
    rows = lines[1:]
    if len(rows) < 2 * n + 2:
        raise CordeauFormatError(f"expected {2 * n + 2} node rows after the header "
                                 f"(2N+2 with N={n}), found {len(rows)}")
    nodes = [_node(no, fields, expected_id) for expected_id, (no, fields)
             in enumerate(rows[:2 * n + 2])]
    travel = [[math.dist((a.x, a.y), (b.x, b.y)) for b in nodes] for a in nodes]
    requests = [Request(pickup=i, delivery=n + i, max_ride=ride, key=str(i))
                for i in range(1, n + 1)]
    start, end = nodes[0], nodes[2 * n + 1]
    vehicles = [Vehicle(start=0, end=2 * n + 1, capacity=(capacity,), earliest=start.earliest,
                        latest=end.latest, max_duration=duration, key=str(v))
                for v in range(k)]
    return Problem(nodes=nodes, requests=requests, vehicles=vehicles, travel=travel,
                   load_names=("seats",))


def _header(no: int, fields: list[str]) -> tuple[int, int, float, int, float]:
    if len(fields) != 5:
        raise CordeauFormatError(f"line {no}: the header needs 5 numbers `K N T Q L`, "
                                 f"found {len(fields)}")
    try:
        k, n, capacity = int(fields[0]), int(fields[1]), int(fields[3])
        duration, ride = float(fields[2]), float(fields[4])
    except ValueError as exc:
        raise CordeauFormatError(f"line {no}: the header `K N T Q L` must be numbers "
                                 f"(K, N, Q whole): {exc}") from exc
    if k < 1 or n < 1 or capacity < 1 or duration <= 0 or ride <= 0:
        raise CordeauFormatError(f"line {no}: K, N, T, Q and L must all be positive")
    return k, n, duration, capacity, ride


def _node(no: int, fields: list[str], expected_id: int) -> Node:
    if len(fields) != 7:
        raise CordeauFormatError(f"line {no}: a node row needs 7 values "
                                 f"`id x y service load earliest latest`, found {len(fields)}")
    try:
        node_id, load = int(fields[0]), int(fields[4])
        x, y, service, earliest, latest = (float(f) for f in
                                           (fields[1], fields[2], fields[3], fields[5], fields[6]))
    except ValueError as exc:
        raise CordeauFormatError(f"line {no}: {exc}") from exc
    if node_id != expected_id:
        raise CordeauFormatError(f"line {no}: expected node id {expected_id}, found {node_id}")
    if earliest > latest:
        raise CordeauFormatError(f"line {no}: the window [{earliest}, {latest}] is empty")
    return Node(key=str(node_id), x=x, y=y, service=service, load=(load,) if load else (),
                earliest=earliest, latest=latest)
