"""Request rounds: a fair, seeded, weighted lottery instead of a midnight race.

Pure: plain dataclasses in, plain results out. The same inputs and seed always give the
same result, so a liaison can re-run a round and check it. The ORM side (collecting
requests, writing bookings) is in `visits.services.rounds`.

How it works: every request gets a lottery key drawn from a seeded generator and tilted
by its priority weight (Efraimidis-Spirakis weighted sampling without replacement: key =
u ** (1 / weight)). Requests are served in key order; each takes its first choice that
still has a place and breaks no quota and no overlap; whoever gets nothing is put on the
waiting lists of their choices, in the same order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class Weights:
    """How much each priority tilts the lottery (0 turns it off). A facility sets these."""

    per_child: float = 0.5
    per_100_km: float = 0.5
    per_30_days_since_visit: float = 0.25
    per_round_lost: float = 1.5
    max_distance_km: float = 500.0
    max_days_since_visit: int = 180


@dataclass(frozen=True)
class SessionSlot:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    places: int  # free places to allocate in this round
    quota_key_week: str  # e.g. "2026-W49:in_person"
    quota_key_month: str
    weekly_quota: int
    monthly_quota: int


@dataclass(frozen=True)
class RoundRequest:
    id: int
    household_id: int
    resident_id: int
    visitor_ids: tuple[int, ...]
    choices: tuple[int, ...]  # session ids, best first (at most three)
    children: int = 0
    distance_km: float = 0.0
    days_since_last_visit: int = 0
    rounds_lost_in_row: int = 0
    # Choices the rules already refuse (approval, party size, window...), with the reason.
    ineligible: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    request_id: int
    session_id: int | None  # None: nothing granted, waitlisted on its choices
    choice_rank: int | None  # 1 for the first choice
    weight: float
    key: float
    position: int  # 1 = drawn first
    reasons: dict[int, str]  # why each earlier (or every) choice was not granted
    waitlisted_on: tuple[int, ...] = ()


@dataclass
class Ledger:
    """What the round has handed out so far, to keep capacity, quotas and overlaps."""

    places: dict[int, int]
    quota_used: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    busy: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def priority_weight(request: RoundRequest, weights: Weights) -> float:
    distance = min(max(request.distance_km, 0.0), weights.max_distance_km)
    days = min(max(request.days_since_last_visit, 0), weights.max_days_since_visit)
    return (
        1.0
        + weights.per_child * max(request.children, 0)
        + weights.per_100_km * distance / 100.0
        + weights.per_30_days_since_visit * days / 30.0
        + weights.per_round_lost * max(request.rounds_lost_in_row, 0)
    )


def draw_order(
    requests: list[RoundRequest], weights: Weights, seed: int
) -> list[tuple[RoundRequest, float, float]]:
    """Requests in lottery order with their weight and key; deterministic for a seed."""
    rng = random.Random(seed)
    keyed = []
    for request in sorted(requests, key=lambda r: r.id):  # input order must not matter
        weight = priority_weight(request, weights)
        u = rng.random() or 1e-12
        keyed.append((request, weight, u ** (1.0 / weight)))
    keyed.sort(key=lambda item: (-item[2], item[0].id))
    return keyed


def refusal(
    request: RoundRequest, slot: SessionSlot, ledger: Ledger
) -> str | None:
    """Why this request cannot take a place in this slot now, or None if it can."""
    if slot.id in request.ineligible:
        return request.ineligible[slot.id]
    if ledger.places.get(slot.id, 0) <= 0:
        return "full"
    week = (request.resident_id, slot.quota_key_week)
    month = (request.resident_id, slot.quota_key_month)
    if ledger.quota_used[week] >= slot.weekly_quota:
        return "weekly_quota"
    if ledger.quota_used[month] >= slot.monthly_quota:
        return "monthly_quota"
    for person in _people(request):
        if any(start < slot.ends_at and slot.starts_at < end for start, end in ledger.busy[person]):
            return "overlap"
    return None


def _people(request: RoundRequest) -> list[tuple[str, int]]:
    """Who must not be in two places at once: the resident, each visitor, and the household
    (one family, one trip: a round never hands a household two visits at the same time)."""
    return [("resident", request.resident_id), ("household", request.household_id)] + [
        ("visitor", v) for v in request.visitor_ids
    ]


def grant(request: RoundRequest, slot: SessionSlot, ledger: Ledger) -> None:
    ledger.places[slot.id] -= 1
    ledger.quota_used[(request.resident_id, slot.quota_key_week)] += 1
    ledger.quota_used[(request.resident_id, slot.quota_key_month)] += 1
    for person in _people(request):
        ledger.busy[person].append((slot.starts_at, slot.ends_at))


def allocate(
    *,
    requests: list[RoundRequest],
    slots: list[SessionSlot],
    seed: int,
    weights: Weights | None = None,
    quota_used: dict[tuple[int, str], int] | None = None,
    busy: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime]]] | None = None,
) -> list[Outcome]:
    """Allocate every request; outcomes come back in draw order.

    `quota_used` and `busy` carry what residents and visitors already have booked outside
    the round, so the round never pushes anyone over a quota or into two places at once.
    """
    weights = weights or Weights()
    by_id = {slot.id: slot for slot in slots}
    ledger = Ledger(places={slot.id: max(slot.places, 0) for slot in slots})
    for key, used in (quota_used or {}).items():
        ledger.quota_used[key] = used
    for person, intervals in (busy or {}).items():
        ledger.busy[person] = list(intervals)
    outcomes = []
    for position, (request, weight, key) in enumerate(draw_order(requests, weights, seed), 1):
        outcomes.append(_serve(request, by_id, ledger, weight, key, position))
    return outcomes


def _serve(
    request: RoundRequest, by_id: dict[int, SessionSlot], ledger: Ledger,
    weight: float, key: float, position: int,
) -> Outcome:
    reasons: dict[int, str] = {}
    for rank, session_id in enumerate(request.choices, 1):
        slot = by_id.get(session_id)
        why = "unknown_session" if slot is None else refusal(request, slot, ledger)
        if why is None:
            grant(request, slot, ledger)
            return Outcome(request.id, session_id, rank, weight, key, position, reasons)
        reasons[session_id] = why
    waitlist = tuple(s for s in request.choices if reasons.get(s) == "full")
    return Outcome(request.id, None, None, weight, key, position, reasons, waitlist)


# --- the record a round keeps, so anyone can re-run its draw ------------------------------


def snapshot(
    *,
    requests: list[RoundRequest],
    slots: list[SessionSlot],
    weights: Weights,
    quota_used: dict[tuple[int, str], int],
    busy: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime]]],
) -> dict:
    """The lottery's inputs as plain JSON (the inverse of `from_snapshot`)."""
    return {
        "weights": asdict(weights),
        "slots": [
            {**asdict(s), "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat()}
            for s in slots
        ],
        "requests": [
            {**_shallow_fields(r), "visitor_ids": list(r.visitor_ids), "choices": list(r.choices),
             "ineligible": {str(k): v for k, v in r.ineligible.items()}}
            for r in requests
        ],
        "quota_used": [[resident, key, used] for (resident, key), used in quota_used.items()],
        "busy": [
            [kind, pk, [[a.isoformat(), b.isoformat()] for a, b in spans]]
            for (kind, pk), spans in busy.items()
        ],
    }


def _shallow_fields(request: RoundRequest) -> dict:
    """The request's fields by name. Not `asdict`, which deep-copies every value: its
    collections are converted by the caller, and a big round has ten thousand requests."""
    return {f.name: getattr(request, f.name) for f in fields(request)}


def from_snapshot(data: dict) -> dict:
    """Keyword arguments for `allocate` (all but the seed) from a `snapshot`."""
    when = dt.datetime.fromisoformat
    slots = [
        SessionSlot(**{**s, "starts_at": when(s["starts_at"]), "ends_at": when(s["ends_at"])})
        for s in data["slots"]
    ]
    requests = [
        RoundRequest(**{
            **r, "visitor_ids": tuple(r["visitor_ids"]), "choices": tuple(r["choices"]),
            "ineligible": {int(k): v for k, v in r["ineligible"].items()},
        })
        for r in data["requests"]
    ]
    return {
        "requests": requests,
        "slots": slots,
        "weights": Weights(**data["weights"]),
        "quota_used": {(resident, key): used for resident, key, used in data["quota_used"]},
        "busy": {
            (kind, pk): [(when(a), when(b)) for a, b in spans]
            for kind, pk, spans in data["busy"]
        },
    }
