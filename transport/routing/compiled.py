"""A Problem flattened into plain lists for the search, with windows tightened.

The search touches these numbers millions of times, so they live in flat Python lists indexed
by node (lists beat numpy for scalar access). Tightening the windows by the ride limit first
matters: an outbound family's pickup window is derived from the drop-off window minus the
ride limit and the direct time (and the other way round for a return leg); without it the
search wastes its time on positions that can never work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .problem import Problem

INF = float("inf")


@dataclass
class Compiled:
    t: list[list[float]]  # travel time (and cost) between nodes
    e: list[float]  # tightened earliest service start per node
    l: list[float]  # tightened latest service start per node  # noqa: E741
    s: list[float]  # service time per node
    load: list[tuple[int, ...]]  # load vector per node, padded to `dims`
    dims: int
    req_of: list[int]  # request index of a node, -1 for depots
    pick: list[int]  # pickup node per request
    deliv: list[int]  # delivery node per request
    ride: list[float]  # max ride per request
    allowed: list[list[int]]  # vehicles that may carry each request (pins honoured)
    v_start: list[int]
    v_end: list[int]
    v_e: list[float]  # earliest service start at the start depot
    v_l: list[float]  # latest service start at the end depot
    v_dur: list[float]  # max route duration
    v_cap: list[tuple[int, ...]]
    empty: list[int]  # requests whose windows became empty when tightened
    needs: list[list[tuple[int, int]]] = field(default_factory=list)  # (dim, amount > 0)


def compile_problem(problem: Problem) -> Compiled:
    """Flatten `problem`; raises ValueError when it is malformed (a programming error)."""
    _check_shape(problem)
    dims = max([len(n.load) for n in problem.nodes] + [len(v.capacity) for v in problem.vehicles])
    c = Compiled(
        t=[[float(x) for x in row] for row in problem.travel],
        e=[float(n.earliest) for n in problem.nodes],
        l=[float(n.latest) for n in problem.nodes],
        s=[float(n.service) for n in problem.nodes],
        load=[_pad(n.load, dims) for n in problem.nodes],
        dims=dims,
        req_of=[-1] * len(problem.nodes),
        pick=[r.pickup for r in problem.requests],
        deliv=[r.delivery for r in problem.requests],
        ride=[float(r.max_ride) for r in problem.requests],
        allowed=[],
        v_start=[v.start for v in problem.vehicles],
        v_end=[v.end for v in problem.vehicles],
        v_e=[max(v.earliest, problem.nodes[v.start].earliest) for v in problem.vehicles],
        v_l=[min(v.latest, problem.nodes[v.end].latest) for v in problem.vehicles],
        v_dur=[float(v.max_duration) for v in problem.vehicles],
        v_cap=[_pad(v.capacity, dims) for v in problem.vehicles],
        empty=[],
    )
    for r, req in enumerate(problem.requests):
        c.req_of[req.pickup] = r
        c.req_of[req.delivery] = r
        pinned = problem.pinned.get(r)
        c.allowed.append([pinned] if pinned is not None else list(range(len(problem.vehicles))))
    for _ in range(2):  # a second pass picks up what the first pass's bounds imply
        for r in range(len(problem.requests)):
            _tighten(c, r)
    c.needs = [[(dim, n) for dim, n in enumerate(load) if n > 0] for load in c.load]
    c.empty = [r for r in range(len(c.pick)) if _window_empty(c, r)]
    return c


def _pad(vec: tuple[int, ...], dims: int) -> tuple[int, ...]:
    return tuple(vec) + (0,) * (dims - len(vec))


def _check_shape(problem: Problem) -> None:
    n = len(problem.nodes)
    if len(problem.travel) != n or any(len(row) != n for row in problem.travel):
        raise ValueError(f"travel must be a {n}x{n} matrix, one row and column per node")
    seen: dict[int, int] = {}
    for r, req in enumerate(problem.requests):
        for node in (req.pickup, req.delivery):
            if not 0 <= node < n:
                raise ValueError(f"request {r} names node {node}, which does not exist")
            if node in seen:
                raise ValueError(f"node {node} belongs to requests {seen[node]} and {r}; "
                                 "every request needs its own pickup and drop-off node")
            seen[node] = r
    for v, veh in enumerate(problem.vehicles):
        if not (0 <= veh.start < n and 0 <= veh.end < n):
            raise ValueError(f"vehicle {v} starts or ends at a node that does not exist")
        if veh.start in seen or veh.end in seen:
            raise ValueError(f"vehicle {v} uses a request's node as its depot")


def _tighten(c: Compiled, r: int) -> None:
    p, d, ride = c.pick[r], c.deliv[r], c.ride[r]
    t, e, lat, s = c.t, c.e, c.l, c.s
    vehicles = [v for v in c.allowed[r] if 0 <= v < len(c.v_start)]
    if vehicles:
        e[p] = max(e[p], min(c.v_e[v] + s[c.v_start[v]] + t[c.v_start[v]][p] for v in vehicles))
        lat[d] = min(lat[d], max(c.v_l[v] - s[d] - t[d][c.v_end[v]] for v in vehicles))
    direct = t[p][d]
    e[d] = max(e[d], e[p] + s[p] + direct)
    lat[p] = min(lat[p], lat[d] - s[p] - direct)
    e[p] = max(e[p], e[d] - ride - s[p])
    lat[d] = min(lat[d], lat[p] + s[p] + ride)


def _window_empty(c: Compiled, r: int) -> bool:
    p, d = c.pick[r], c.deliv[r]
    return c.e[p] > c.l[p] + 1e-9 or c.e[d] > c.l[d] + 1e-9
