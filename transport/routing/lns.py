"""Adaptive large-neighbourhood search: remove some requests, reinsert them, keep or undo.

Destroy: random, worst (most travel saved) and related (Shaw: close in place and time).
Repair: cheapest-first or regret-2/3, with or without noise. Acceptance: simulated annealing
cooled over the time left, so the search explores first and polishes at the end. Operator
weights adapt to which pairs found improvements (Ropke and Pisinger's scheme, simplified).
"""

from __future__ import annotations

import math
import random
import time

from .search import RouteData, Routes

DESTROYS = ("random", "worst", "related")
REPAIRS = ((1, 0.0), (2, 0.0), (3, 0.0), (2, 0.025), (1, 0.025))  # (regret, noise)
SCORE_BEST, SCORE_BETTER, SCORE_ACCEPTED = 33.0, 9.0, 13.0
REACTION = 0.1
SEGMENT = 50  # iterations between weight updates
WARMTH = 0.05
MAX_REMOVED = 25  # requests taken out per iteration, at most (about 30% of them below that)


class Lns:
    def __init__(self, routes: Routes, rng: random.Random) -> None:
        self.routes = routes
        self.rng = rng
        self.w_destroy = [1.0] * len(DESTROYS)
        self.w_repair = [1.0] * len(REPAIRS)
        self._score_d = [0.0] * len(DESTROYS)
        self._score_r = [0.0] * len(REPAIRS)
        self._used_d = [0] * len(DESTROYS)
        self._used_r = [0] * len(REPAIRS)
        self.iterations = 0

    def run(self, deadline: float) -> tuple[list[RouteData], set[int]]:
        """Search until `deadline` (perf_counter); returns the best routes and unserved set."""
        routes = self.routes
        current = routes.objective()
        best, best_snap = current, routes.snapshot()
        start = time.perf_counter()
        total = max(deadline - start, 1e-3)
        # a plan WARMTH worse than the first is accepted half the time at the start
        t0 = WARMTH * max(routes.cost(), 1.0) / math.log(2)
        while time.perf_counter() < deadline and routes.served():
            frac = (time.perf_counter() - start) / total
            temperature = t0 * (0.002 ** frac)
            snap = routes.snapshot()
            di, ri = self._choose(self.w_destroy), self._choose(self.w_repair)
            removed = self._destroy(DESTROYS[di])
            regret, noise = REPAIRS[ri]
            routes.repair(removed + sorted(routes.unserved - set(removed)), self.rng, regret, noise)
            value = routes.objective()
            score = 0.0
            if value < best - 1e-7:
                best, best_snap, score = value, routes.snapshot(), SCORE_BEST
                current = value
            elif value < current - 1e-7:
                current, score = value, SCORE_BETTER
            elif self.rng.random() < math.exp(-(value - current) / max(temperature, 1e-9)):
                current, score = value, SCORE_ACCEPTED
            else:
                routes.restore(snap)
            self._credit(di, ri, score)
        return best_snap

    # ---------------------------------------------------------------- destroy

    def _destroy(self, kind: str) -> list[int]:
        served = self.routes.served()
        n = len(served)
        low = min(2, n)
        high = max(low, min(int(0.3 * n) + 1, MAX_REMOVED))
        q = self.rng.randint(low, high)
        if kind == "random":
            chosen = self.rng.sample(served, q)
        elif kind == "worst":
            chosen = self._worst(served, q)
        else:
            chosen = self._related(served, q)
        for r in chosen:
            self.routes.remove(r)
        return chosen

    def _worst(self, served: list[int], q: int) -> list[int]:
        gains = sorted(served, key=self.routes.removal_gain, reverse=True)
        chosen: list[int] = []
        while len(chosen) < q:
            k = int(len(gains) * self.rng.random() ** 3)
            chosen.append(gains.pop(k))
        return chosen

    def _related(self, served: list[int], q: int) -> list[int]:
        times = self._start_times()
        c = self.routes.c
        horizon = max(times.values(), default=1.0) or 1.0
        scale = self.routes.max_t or 1.0
        rest = list(served)
        chosen = [rest.pop(self.rng.randrange(len(rest)))]

        def relatedness(a: int, b: int) -> float:
            pa, pb, da, db = c.pick[a], c.pick[b], c.deliv[a], c.deliv[b]
            place = (c.t[pa][pb] + c.t[da][db]) / scale
            when = (abs(times[pa] - times[pb]) + abs(times[da] - times[db])) / horizon
            return place + 2.0 * when

        # Ropke and Pisinger re-rank against a random chosen request each time; ranking once
        # against the seed is much cheaper and removes much the same cluster.
        rest.sort(key=lambda r: relatedness(chosen[0], r))
        while len(chosen) < q and rest:
            chosen.append(rest.pop(int(len(rest) * self.rng.random() ** 6)))
        return chosen

    def _start_times(self) -> dict[int, float]:
        times: dict[int, float] = {}
        for rd in self.routes.data:
            for n, when in zip(rd.nodes, rd.prepared(self.routes.c).b, strict=True):
                times[n] = when
        return times

    # ---------------------------------------------------------------- adaptive weights

    def _choose(self, weights: list[float]) -> int:
        x = self.rng.random() * sum(weights)
        for k, w in enumerate(weights):
            x -= w
            if x <= 0:
                return k
        return len(weights) - 1

    def _credit(self, di: int, ri: int, score: float) -> None:
        self._score_d[di] += score
        self._score_r[ri] += score
        self._used_d[di] += 1
        self._used_r[ri] += 1
        self.iterations += 1
        if self.iterations % SEGMENT:
            return
        for w, sc, used in ((self.w_destroy, self._score_d, self._used_d),
                            (self.w_repair, self._score_r, self._used_r)):
            for k in range(len(w)):
                if used[k]:
                    w[k] = max(0.05, (1 - REACTION) * w[k] + REACTION * sc[k] / used[k])
                sc[k], used[k] = 0.0, 0
