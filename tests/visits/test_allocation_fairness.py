"""Fairness over time: a thousand weekly rounds with three requests for every place.

Every week the same 90 households each ask for one of three sessions (ranked at random),
with 10 places each: demand is three times the supply. A uniform lottery makes losing
independent of last week, so about (2/3)^4 of households are on a four-round losing
streak at any time; the "rounds lost in a row" priority should make that far rarer.
"""

from __future__ import annotations

import datetime as dt
import random

from visits.allocation import RoundRequest, SessionSlot, Weights, allocate

HOUSEHOLDS = 90
SESSIONS = 3
PLACES = 10  # per session: 30 places for 90 requests
ROUNDS = 1000
STREAK = 4


def weekly_slots(week: int) -> list[SessionSlot]:
    start = dt.datetime(2027, 1, 2, 15, tzinfo=dt.UTC) + dt.timedelta(weeks=week)
    return [
        SessionSlot(
            id=week * 10 + i, starts_at=start + dt.timedelta(hours=3 * i),
            ends_at=start + dt.timedelta(hours=3 * i + 2), places=PLACES,
            quota_key_week=f"w{week}", quota_key_month=f"m{week}", weekly_quota=1,
            monthly_quota=5,
        )
        for i in range(SESSIONS)
    ]


def simulate(weights: Weights, seed: int) -> tuple[float, float, int]:
    """Share of household-weeks spent on a losing streak of 4 or more, share of households
    whose longest losing streak reached 4, and how many places were given out in all."""
    choose = random.Random(seed)
    lost_in_row = [0] * HOUSEHOLDS
    longest = [0] * HOUSEHOLDS
    on_streak = given = 0
    for week in range(ROUNDS):
        slots = weekly_slots(week)
        requests = [
            RoundRequest(
                id=week * 1000 + h, household_id=h, resident_id=h, visitor_ids=(h,),
                choices=tuple(choose.sample([s.id for s in slots], SESSIONS)),
                rounds_lost_in_row=lost_in_row[h],
            )
            for h in range(HOUSEHOLDS)
        ]
        outcomes = allocate(requests=requests, slots=slots, seed=seed * 100_000 + week,
                            weights=weights)
        for outcome in outcomes:
            h = outcome.request_id - week * 1000
            lost_in_row[h] = 0 if outcome.session_id is not None else lost_in_row[h] + 1
            longest[h] = max(longest[h], lost_in_row[h])
            on_streak += lost_in_row[h] >= STREAK
            given += outcome.session_id is not None
    share = on_streak / (HOUSEHOLDS * ROUNDS)
    return share, sum(x >= STREAK for x in longest) / HOUSEHOLDS, given


def test_losing_four_rounds_in_a_row_is_far_rarer_than_with_a_uniform_lottery() -> None:
    uniform = Weights(per_child=0, per_100_km=0, per_30_days_since_visit=0, per_round_lost=0)
    prioritised = Weights()  # the defaults a facility starts with

    uniform_share, uniform_ever, _ = simulate(uniform, seed=1)
    fair_share, fair_ever, given = simulate(prioritised, seed=1)

    print(
        f"\nhousehold-weeks on a losing streak of {STREAK}+: uniform {uniform_share:.4f}, "
        f"with priorities {fair_share:.4f}"
        f"\nhouseholds that ever lost {STREAK} in a row over {ROUNDS} rounds: "
        f"uniform {uniform_ever:.3f}, with priorities {fair_ever:.3f}"
    )
    # A uniform lottery lands near (2/3)^4 = 0.198; the priority must at least halve it.
    assert 0.15 < uniform_share < 0.25
    assert fair_share <= uniform_share / 2
    # Every place is still given out every week: fairness does not waste places.
    assert given == SESSIONS * PLACES * ROUNDS
