"""Service start times for one vehicle's fixed sequence of stops.

Cordeau and Laporte's eight-step scheme with forward time slack: start from the earliest
schedule, delay the departure from the depot as far as the waiting allows (shortest route
duration), then delay each pickup as far as its forward slack allows (shorter rides without
breaking any window or the ride of anyone already on board). A sequence it rejects is treated
as infeasible; every schedule it returns is re-checked against every constraint.
"""

from __future__ import annotations

from .compiled import INF, Compiled

EPS = 1e-9


def schedule(c: Compiled, route: list[int], v: int, *, minimise_rides: bool = False,
             ) -> list[float] | None:
    """Start times for `route` (depots included) on vehicle `v`, or None if infeasible.

    With `minimise_rides` every pickup is delayed as far as its slack allows; otherwise the
    work stops as soon as every constraint holds (the cheap test used inside the search).
    """
    q = len(route) - 1
    pp = _pickup_positions(c, route)
    if pp is None:
        return None
    e = [c.e[n] for n in route]
    lat = [c.l[n] for n in route]
    e[0] = c.v_e[v]
    lat[q] = min(lat[q], c.v_l[v])
    b = [0.0] * (q + 1)
    w = [0.0] * (q + 1)
    b[0] = e[0]
    if not _earliest_pass(c, route, e, lat, b, w):
        return None
    delay = _forward_slack(c, route, lat, b, w, pp, 0, INF, sum(w[1:q]))
    if delay > 0:
        b[0] += delay
        _propagate(c, route, e, b, w, 0)
    duration = c.v_dur[v]
    if b[q] - b[0] > duration + EPS:
        return None
    last_bad = _last_violating_pickup(c, route, b, pp)
    if last_bad < 0 and not minimise_rides:
        return b
    if not minimise_rides:
        # Most routes only need the pickups whose own ride is too long delayed; the full
        # scheme below is the fallback when that is not enough.
        lazy_b, lazy_w = list(b), list(w)
        if _delay_violating(c, route, e, lat, lazy_b, lazy_w, pp, last_bad, duration):
            return lazy_b  # delays stay inside the forward slack: nothing else can break
    stop = q - 1 if minimise_rides else last_bad
    for j in range(1, stop + 1):
        if pp[j] != -2:  # only pickups are delayed
            continue
        if not _delay_pickup(c, route, e, lat, b, w, pp, j, duration):
            return None
    return b if route_times_ok(c, route, v, b) else None


def _delay_violating(c: Compiled, route: list[int], e: list[float], lat: list[float],
                     b: list[float], w: list[float], pp: list[int], last_bad: int,
                     duration: float) -> bool:
    """Delay, in order, only the pickups whose ride is over its limit."""
    s = c.s
    for j in range(1, last_bad + 1):
        if pp[j] != -2:
            continue
        r = c.req_of[route[j]]
        k = route.index(c.deliv[r], j + 1)
        if b[k] - b[j] - s[route[j]] > c.ride[r] + EPS and \
                not _delay_pickup(c, route, e, lat, b, w, pp, j, duration):
            return False
    return True


def _pickup_positions(c: Compiled, route: list[int]) -> list[int] | None:
    """pp[k]: the pickup's position for a drop-off at k, -2 at a pickup, -1 at a depot."""
    pp = [-1] * len(route)
    where: dict[int, int] = {}
    for k in range(1, len(route) - 1):
        n = route[k]
        r = c.req_of[n]
        if n == c.pick[r]:
            where[r] = k
            pp[k] = -2
        elif r in where:
            pp[k] = where[r]
        else:
            return None  # drop-off before its pickup
    return pp if len(where) * 2 == len(route) - 2 else None


def _earliest_pass(c: Compiled, route: list[int], e: list[float], lat: list[float],
                   b: list[float], w: list[float]) -> bool:
    t, s = c.t, c.s
    for k in range(1, len(route)):
        arrive = b[k - 1] + s[route[k - 1]] + t[route[k - 1]][route[k]]
        b[k] = arrive if arrive > e[k] else e[k]
        w[k] = b[k] - arrive
        if b[k] > lat[k] + EPS or b[k] == INF:  # INF: no road between the two places
            return False
    return True


def _propagate(c: Compiled, route: list[int], e: list[float], b: list[float], w: list[float],
               j: int) -> None:
    """Recompute times after position j moved later; stops where the delay is absorbed."""
    t, s = c.t, c.s
    for k in range(j + 1, len(route)):
        arrive = b[k - 1] + s[route[k - 1]] + t[route[k - 1]][route[k]]
        nb = arrive if arrive > e[k] else e[k]
        w[k] = nb - arrive
        if nb == b[k]:
            return
        b[k] = nb


def _forward_slack(c: Compiled, route: list[int], lat: list[float], b: list[float],
                   w: list[float], pp: list[int], j: int, duration: float,
                   cap: float = INF) -> float:
    """How far position j can move later without breaking a window, a ride or the duration.

    The answer is capped at `cap`; past the point where the waiting alone reaches the best
    bound so far, no later stop can lower it.
    """
    q = len(route) - 1
    best = cap
    waited = 0.0
    s = c.s
    for k in range(j, q + 1):
        if k > j:
            waited += w[k]
            if waited >= best:
                break
        slack = lat[k] - b[k]
        pk = pp[k]
        if 0 <= pk < j:  # on board at j: delaying j lengthens this ride
            r = c.req_of[route[k]]
            ride_slack = c.ride[r] - (b[k] - b[pk] - s[route[pk]])
            slack = min(slack, ride_slack)
        if k == q:
            slack = min(slack, duration - (b[q] - b[0]))
        total = waited + (slack if slack > 0 else 0.0)
        if total < best:
            best = total
    return best


def _last_violating_pickup(c: Compiled, route: list[int], b: list[float], pp: list[int]) -> int:
    last = -1
    for k in range(1, len(route) - 1):
        pk = pp[k]
        if pk >= 0 and b[k] - b[pk] - c.s[route[pk]] > c.ride[c.req_of[route[k]]] + EPS:
            last = max(last, pk)
    return last


def _delay_pickup(c: Compiled, route: list[int], e: list[float], lat: list[float],
                  b: list[float], w: list[float], pp: list[int], j: int, duration: float) -> bool:
    """Step 8 for pickup j; False when its own ride still breaks the limit (no later fix)."""
    q = len(route) - 1
    later_wait = sum(w[j + 1:q])
    if later_wait > 0:
        delay = _forward_slack(c, route, lat, b, w, pp, j, duration, later_wait)
        if delay > 0:
            b[j] += delay
            w[j] += delay
            _propagate(c, route, e, b, w, j)
    r = c.req_of[route[j]]
    k = route.index(c.deliv[r], j + 1)
    return b[k] - b[j] - c.s[route[j]] <= c.ride[r] + EPS


def route_times_ok(c: Compiled, route: list[int], v: int, b: list[float]) -> bool:
    """Every window, travel gap, ride limit and the duration hold for these times."""
    q = len(route) - 1
    t, s = c.t, c.s
    if b[0] < c.v_e[v] - EPS or b[0] > c.l[route[0]] + EPS:
        return False
    if b[q] > c.v_l[v] + EPS or b[q] - b[0] > c.v_dur[v] + EPS:
        return False
    picked: dict[int, float] = {}
    for k in range(1, q + 1):
        n, prev = route[k], route[k - 1]
        if b[k] < b[k - 1] + s[prev] + t[prev][n] - EPS:
            return False
        if b[k] < c.e[n] - EPS or b[k] > c.l[n] + EPS:
            return False
        r = c.req_of[n]
        if r < 0:
            continue
        if n == c.pick[r]:
            picked[r] = b[k] + s[n]
        elif b[k] - picked[r] > c.ride[r] + EPS:
            return False
    return True
