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

    __slots__ = ("nodes", "key", "cost", "v", "b", "z", "left", "ride_room")

    def __init__(self, c: Compiled, v: int, nodes: list[int]) -> None:
        self.nodes = nodes  # never changed in place: a changed route gets a new RouteData
        self.key = hash((v, *nodes))  # memo key: tuples do not cache their hash
        self.v = v
        t = c.t
        m = len(nodes) - 1
        self.cost = 0.0 if m == 1 else sum(t[nodes[k]][nodes[k + 1]] for k in range(m))
        self.b: list[float] | None = None  # the rest is computed on first use: most routes
        # built during a destroy are changed again before anyone asks

    def prepared(self, c: Compiled) -> RouteData:
        if self.b is None:
            self._prepare(c)
        return self

    def _prepare(self, c: Compiled) -> None:
        nodes, v = self.nodes, self.v
        t, s = c.t, c.s
        m = len(nodes) - 1
        b = [0.0] * (m + 1)
        b[0] = c.v_e[v]
        path = [0.0] * (m + 1)  # travel and service from the start, without waiting
        e, lat = c.e, c.l
        prev = nodes[0]
        for k in range(1, m + 1):
            n = nodes[k]
            step = s[prev] + t[prev][n]
            at = b[k - 1] + step
            b[k] = at if at > e[n] else e[n]
            path[k] = path[k - 1] + step
            prev = n
        z = [0.0] * (m + 1)
        z[m] = min(lat[nodes[m]], c.v_l[v])
        for k in range(m - 1, -1, -1):
            n = nodes[k]
            at = z[k + 1] - s[n] - t[n][nodes[k + 1]]
            z[k] = at if at < lat[n] else lat[n]
        self.z = z
        self.left = _free_capacity(c, v, nodes)
        self.ride_room = _ride_room(c, nodes, path)
        self.b = b


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
        # an unreachable pair may be infinite; the penalty must stay a finite number
        self.max_t = max((x for row in c.t for x in row if x < INF), default=0.0)
        self.penalty = 10.0 * (4.0 * self.max_t + 1.0)  # above any one request's added travel
        self._memo: dict[tuple, list[tuple[float, int, int]]] = {}
        self._proven: dict[tuple, list[int]] = {}

    # ---------------------------------------------------------------- state

    def cost(self) -> float:
        return sum(d.cost for d in self.data)

    def objective(self) -> float:
        return self.cost() + self.penalty * len(self.unserved)

    def snapshot(self) -> tuple[list[RouteData], set[int]]:
        return list(self.data), set(self.unserved)

    def restore(self, snap: tuple[list[RouteData], set[int]]) -> None:
        saved, unserved = snap
        for v, rd in enumerate(saved):
            if rd is not self.data[v]:
                self.data[v] = rd
                self._claim(rd)
        for r in unserved:
            self.where[r] = -1
        self.unserved = set(unserved)

    def set_route(self, v: int, nodes: list[int]) -> None:
        self.data[v] = RouteData(self.c, v, nodes)
        self._claim(self.data[v])

    def _claim(self, rd: RouteData) -> None:
        req_of, where, v = self.c.req_of, self.where, rd.v
        for n in rd.nodes[1:-1]:
            where[req_of[n]] = v

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
        """Cheapest (added travel, pickup slot, drop-off slot) of r into v that passes the
        cheap tests, or None. Not yet proven by a full schedule: see `confirmed`.

        Remembered per route content: the search undoes most of its moves, so the same
        request meets the same route again and again.
        """
        cands = self._candidates(r, v)
        return cands[0] if cands else None

    def confirmed(self, r: int, v: int) -> tuple[float, int, int] | None:
        """The cheapest insertion of r into v whose full schedule holds, or None.

        Scheduling is the dear part, and the cheap tests almost never let a bad position
        through, so only the position about to be used is scheduled; ones that fail are
        dropped from the memo for good (same route, same answer).
        """
        cands = self._candidates(r, v)
        nodes = self.data[v].nodes
        while cands:
            key = (r, v, cands[0])
            if key in self._proven and self._proven[key] is nodes:
                return cands[0]
            _, i, j = cands[0]
            if schedule(self.c, _with_request(nodes, self.c, r, i, j), v) is not None:
                self._proven[key] = nodes
                return cands[0]
            cands.pop(0)
        return None

    def _candidates(self, r: int, v: int) -> list[tuple[float, int, int]]:
        key = (r, self.data[v].key)
        cands = self._memo.get(key)
        if cands is None:
            if len(self._memo) > MEMO_SIZE:
                self._memo.clear()
                self._proven.clear()
            cands = insertion_candidates(self.c, self.data[v].prepared(self.c), r)
            cands.sort()
            cands = self._memo[key] = cands[:MAX_SCHEDULE_TRIES]
        return cands

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
            r, v, ins = chosen
            proven = self.confirmed(r, v)
            if proven != ins:  # the cheap tests let a bad position through: choose again
                options[r][v] = proven
                continue
            self.insert(r, v, ins[1], ins[2])
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
            costs = []
            cheapest, where = INF, None
            for v, ins in options[r].items():
                if ins is None:
                    continue
                cost = ins[0] + rng.uniform(-amount, amount) if amount else ins[0]
                costs.append(cost)
                if cost < cheapest:
                    cheapest, where = cost, (v, ins)
            if where is None:
                continue
            score = 0.0
            if regret > 1:
                costs.sort()
                for h in range(1, regret):
                    score += (costs[h] if h < len(costs) else self.penalty) - cheapest
            key = (score, -cheapest)
            if best is None or key > best_key:
                best, best_key = (r, where[0], where[1]), key
        return best


def _node_gain(t: list[list[float]], nodes: list[int], k: int) -> float:
    a, n, b = nodes[k - 1], nodes[k], nodes[k + 1]
    return t[a][n] + t[n][b] - t[a][b]


def _with_request(nodes: list[int], c: Compiled, r: int, i: int, j: int) -> list[int]:
    """`nodes` with r's pickup after position i and its drop-off after position j (j >= i)."""
    return nodes[:i + 1] + [c.pick[r]] + nodes[i + 1:j + 1] + [c.deliv[r]] + nodes[j + 1:]


def insertion_candidates(c: Compiled, rd: RouteData, r: int) -> list[tuple[float, int, int]]:
    """Every (added travel, i, j) that passes the cheap necessary tests.

    One long function on purpose: it is the innermost loop of the search, and in Python a
    helper call per position costs more than the test it would hold.
    """
    nodes, b, z, room = rd.nodes, rd.b, rd.z, rd.ride_room
    t, s, e, lat = c.t, c.s, c.e, c.l
    p, d = c.pick[r], c.deliv[r]
    ride = c.ride[r]
    ep, lp, ed, ld, sp, sd = e[p], lat[p], e[d], lat[d], s[p], s[d]
    tp, td = t[p], t[d]
    m = len(nodes) - 1
    # z grows along a route: before `first` the next stop could not wait for this pickup
    first = max(0, bisect_left(z, ep + sp) - 1)
    room_left, need = _capacity_test(c, rd, p)
    empty_fix = t[nodes[0]][nodes[1]] if m == 1 else 0.0
    out: list[tuple[float, int, int]] = []
    for i in range(first, m):
        if b[i] > lp:
            break
        if room_left[i] < need:
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
        while k < m and room_left[k] >= need:
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


def _capacity_test(c: Compiled, rd: RouteData, p: int) -> tuple[list, int]:
    """(column, need): the party of pickup p fits after position k iff column[k] >= need."""
    needs = c.needs[p]
    if not needs:
        return [0] * len(rd.left[0]) if rd.left else [0] * (len(rd.nodes) - 1), 0
    if len(needs) == 1:  # the usual case: only seats
        dim, n = needs[0]
        return rd.left[dim], n
    fits = [all(rd.left[dim][k] >= n for dim, n in needs) for k in range(len(rd.nodes) - 1)]
    return fits, 1
