"""Routes under construction: cached route data, request insertion and removal.

Inserting a request means trying every (pickup, drop-off) position pair. Cheap necessary tests
(capacity, the earliest and latest times of the route without ride limits, the shortest
possible ride) prune most pairs; the survivors are tried in order of added travel with the
full schedule (`schedule.schedule`) until one holds, so a returned insertion is always feasible.
"""

from __future__ import annotations

import random
from bisect import bisect_left

from .compiled import INF, Compiled
from .schedule import schedule

MAX_SCHEDULE_TRIES = 12  # full schedule checks per (request, route) before giving up on it
MEMO_SIZE = 300_000  # remembered insertions before the memo starts afresh
_MISSING = object()


class RouteData:
    """What the insertion tests need about one route, recomputed after every change.

    b: earliest start times; z: latest start times (windows only, no ride limits);
    left[dim][k]: free capacity after serving position k; ride_room[k]: how much longer the
    shortest possible ride of anyone on board between k and k+1 may grow before it breaks
    its limit (a detour inserted there adds to all of them).
    """

    __slots__ = ("nodes", "key", "b", "z", "left", "ride_room", "cost")

    def __init__(self, c: Compiled, v: int, nodes: list[int]) -> None:
        self.nodes = nodes
        self.key = (v, *nodes)
        t, s = c.t, c.s
        m = len(nodes) - 1
        b = [0.0] * (m + 1)
        b[0] = c.v_e[v]
        path = [0.0] * (m + 1)  # travel and service from the start, without waiting
        for k in range(1, m + 1):
            step = s[nodes[k - 1]] + t[nodes[k - 1]][nodes[k]]
            b[k] = max(b[k - 1] + step, c.e[nodes[k]])
            path[k] = path[k - 1] + step
        z = [0.0] * (m + 1)
        z[m] = min(c.l[nodes[m]], c.v_l[v])
        for k in range(m - 1, -1, -1):
            z[k] = min(c.l[nodes[k]], z[k + 1] - s[nodes[k]] - t[nodes[k]][nodes[k + 1]])
        self.b, self.z = b, z
        self.left = _free_capacity(c, v, nodes)
        self.ride_room = _ride_room(c, nodes, path)
        self.cost = 0.0 if m == 1 else sum(t[nodes[k]][nodes[k + 1]] for k in range(m))


def _free_capacity(c: Compiled, v: int, nodes: list[int]) -> list[list[int]]:
    cols = []
    for dim, cap in enumerate(c.v_cap[v]):
        left, col = cap, []
        for n in nodes[:-1]:
            left -= c.load[n][dim]
            col.append(left)
        cols.append(col)
    return cols


def _ride_room(c: Compiled, nodes: list[int], path: list[float]) -> list[float]:
    room = [INF] * (len(nodes) - 1)
    picked: dict[int, int] = {}
    for k in range(1, len(nodes) - 1):
        n = nodes[k]
        r = c.req_of[n]
        if n == c.pick[r]:
            picked[r] = k
            continue
        a = picked[r]
        spare = c.ride[r] - (path[k] - path[a] - c.s[nodes[a]])
        for arc in range(a, k):
            if spare < room[arc]:
                room[arc] = spare
    return room


class Routes:
    """One route per vehicle plus the set of requests not (yet) served."""

    def __init__(self, c: Compiled, requests: list[int]) -> None:
        self.c = c
        self.nv = len(c.v_start)
        self.data = [RouteData(c, v, [c.v_start[v], c.v_end[v]]) for v in range(self.nv)]
        self.where = [-1] * len(c.pick)
        self.unserved = set(requests)
        self.max_t = max((max(row) for row in c.t), default=0.0)
        self.penalty = 10.0 * (4.0 * self.max_t + 1.0)  # above any one request's added travel
        self._memo: dict[tuple, tuple[float, int, int] | None] = {}

    # ---------------------------------------------------------------- state

    def cost(self) -> float:
        return sum(d.cost for d in self.data)

    def objective(self) -> float:
        return self.cost() + self.penalty * len(self.unserved)

    def snapshot(self) -> tuple[list[list[int]], set[int]]:
        return [list(d.nodes) for d in self.data], set(self.unserved)

    def restore(self, snap: tuple[list[list[int]], set[int]]) -> None:
        routes, unserved = snap
        for v, nodes in enumerate(routes):
            if nodes != self.data[v].nodes:
                self.set_route(v, list(nodes))
        for r in unserved:
            self.where[r] = -1
        self.unserved = set(unserved)

    def set_route(self, v: int, nodes: list[int]) -> None:
        self.data[v] = RouteData(self.c, v, nodes)
        for n in nodes[1:-1]:
            self.where[self.c.req_of[n]] = v

    def served(self) -> list[int]:
        return [r for r in range(len(self.where)) if self.where[r] >= 0]

    # ---------------------------------------------------------------- moves

    def remove(self, r: int) -> None:
        v = self.where[r]
        p, d = self.c.pick[r], self.c.deliv[r]
        self.set_route(v, [n for n in self.data[v].nodes if n != p and n != d])
        self.where[r] = -1
        self.unserved.add(r)

    def insert(self, r: int, v: int, i: int, j: int) -> None:
        self.set_route(v, _with_request(self.data[v].nodes, self.c, r, i, j))
        self.unserved.discard(r)

    def removal_gain(self, r: int) -> float:
        """Travel saved by taking request r out of its route."""
        nodes = self.data[self.where[r]].nodes
        t = self.c.t
        if len(nodes) == 4:
            return self.data[self.where[r]].cost
        i = nodes.index(self.c.pick[r])
        j = nodes.index(self.c.deliv[r], i)
        if j == i + 1:
            a, b = nodes[i - 1], nodes[j + 1]
            return t[a][nodes[i]] + t[nodes[i]][nodes[j]] + t[nodes[j]][b] - t[a][b]
        return _node_gain(t, nodes, i) + _node_gain(t, nodes, j)

    def best_insertion(self, r: int, v: int) -> tuple[float, int, int] | None:
        """Cheapest feasible (added travel, pickup slot, drop-off slot) of r into v, or None.

        Remembered per route content: the search undoes most of its moves, so the same
        request meets the same route again and again.
        """
        key = (r, self.data[v].key)
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
            found = self._memo[key] = self._best_insertion(r, v)
        return found

    def _best_insertion(self, r: int, v: int) -> tuple[float, int, int] | None:
        cands = insertion_candidates(self.c, self.data[v], r)
        if not cands:
            return None
        cands.sort()
        nodes = self.data[v].nodes
        for cost, i, j in cands[:MAX_SCHEDULE_TRIES]:
            if schedule(self.c, _with_request(nodes, self.c, r, i, j), v) is not None:
                return cost, i, j
        return None

    # ---------------------------------------------------------------- repair

    def repair(self, pending: list[int], rng: random.Random, regret: int, noise: float) -> None:
        """Insert `pending` one at a time, the highest regret first (regret 1 = cheapest first)."""
        c = self.c
        options = {r: {v: self.best_insertion(r, v) for v in c.allowed[r]} for r in pending}
        todo = set(pending)
        while todo:
            chosen = self._pick(options, todo, rng, regret, noise)
            if chosen is None:
                return
            r, v, (_, i, j) = chosen
            self.insert(r, v, i, j)
            todo.discard(r)
            for other in todo:
                if v in options[other]:
                    options[other][v] = self.best_insertion(other, v)

    def _pick(self, options: dict, todo: set[int], rng: random.Random, regret: int,
              noise: float) -> tuple[int, int, tuple[float, int, int]] | None:
        best = None
        best_key: tuple[float, float] = (0.0, 0.0)
        amount = noise * self.max_t
        for r in sorted(todo):
            found = [(ins[0] + (rng.uniform(-amount, amount) if amount else 0.0), v, ins)
                     for v, ins in options[r].items() if ins is not None]
            if not found:
                continue
            found.sort()
            score = 0.0
            for h in range(1, regret):
                score += (found[h][0] if h < len(found) else self.penalty) - found[0][0]
            key = (score, -found[0][0])
            if best is None or key > best_key:
                best, best_key = (r, found[0][1], found[0][2]), key
        return best


def _node_gain(t: list[list[float]], nodes: list[int], k: int) -> float:
    a, n, b = nodes[k - 1], nodes[k], nodes[k + 1]
    return t[a][n] + t[n][b] - t[a][b]


def _with_request(nodes: list[int], c: Compiled, r: int, i: int, j: int) -> list[int]:
    """`nodes` with r's pickup after position i and its drop-off after position j (j >= i)."""
    return nodes[:i + 1] + [c.pick[r]] + nodes[i + 1:j + 1] + [c.deliv[r]] + nodes[j + 1:]


def insertion_candidates(c: Compiled, rd: RouteData, r: int) -> list[tuple[float, int, int]]:
    """Every (added travel, i, j) that passes the cheap necessary tests."""
    nodes, b, z, room = rd.nodes, rd.b, rd.z, rd.ride_room
    t, s, e, lat = c.t, c.s, c.e, c.l
    p, d = c.pick[r], c.deliv[r]
    ride = c.ride[r]
    ep, lp, ed, ld, sp, sd = e[p], lat[p], e[d], lat[d], s[p], s[d]
    tp, td = t[p], t[d]
    m = len(nodes) - 1
    # z grows along a route: before `first` the next stop could not wait for this pickup
    first = max(0, bisect_left(z, ep + sp) - 1)
    fits = _fits(c, rd, p, first)
    empty_fix = t[nodes[0]][nodes[1]] if m == 1 else 0.0
    out: list[tuple[float, int, int]] = []
    for i in range(first, m):
        if b[i] > lp:
            break
        if not fits[i]:
            continue
        a = nodes[i]
        arrive = b[i] + s[a] + t[a][p]
        if arrive > lp:
            continue
        dep_p = (arrive if arrive > ep else ep) + sp
        nxt = nodes[i + 1]
        base = t[a][p] - t[a][nxt] + empty_fix
        arrive = dep_p + tp[d]
        bd = arrive if arrive > ed else ed
        if (bd <= ld and bd + sd + td[nxt] <= z[i + 1]
                and base - empty_fix + sp + tp[d] + sd + td[nxt] <= room[i]):
            out.append((base + tp[d] + td[nxt], i, i))
        if base - empty_fix + sp + tp[nxt] > room[i]:
            continue
        arrive = dep_p + tp[nxt]
        if arrive > z[i + 1]:
            continue
        bk = arrive if arrive > e[nxt] else e[nxt]
        path = tp[nxt]  # shortest ride so far: travel and service from p up to nodes[k]
        added_p = base + tp[nxt]
        k = i + 1
        while k < m and fits[k]:
            nk = nodes[k]
            if path + s[nk] + t[nk][d] > ride:
                break
            arrive = bk + s[nk] + t[nk][d]
            if arrive > ld:
                break
            bd = arrive if arrive > ed else ed
            nn = nodes[k + 1]
            detour = t[nk][d] + sd + td[nn] - t[nk][nn]
            if bd + sd + td[nn] <= z[k + 1] and detour <= room[k]:
                out.append((added_p + detour - sd, i, k))
            arrive = bk + s[nk] + t[nk][nn]
            if arrive > z[k + 1]:
                break
            bk = arrive if arrive > e[nn] else e[nn]
            path += s[nk] + t[nk][nn]
            k += 1
    return out


def _fits(c: Compiled, rd: RouteData, p: int, first: int) -> list[bool]:
    """fits[k]: the party of pickup p has room on board after position k (k >= first)."""
    fits = [True] * (len(rd.nodes) - 1)
    for dim, need in enumerate(c.load[p]):
        if need > 0:
            col = rd.left[dim]
            fits[first:] = [ok and x >= need for ok, x in zip(fits[first:], col[first:],
                                                                  strict=True)]
    return fits
