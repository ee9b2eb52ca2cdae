"""Properties of the pure lottery, for any round hypothesis can think of.

Each generated round has sessions with their limits, households whose visitors are adults
or children with or without approval, requests with up to three ranked choices, and
bookings made before the round (quota already used, people already busy). The service's
way of marking choices the rules refuse (`REQUEST_CHECKS`) is applied, then the draw.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from visits.allocation import (
    Outcome,
    RoundRequest,
    SessionSlot,
    Weights,
    allocate,
    from_snapshot,
    snapshot,
)
from visits.rules import DraftBooking, SessionFacts, VisitorFacts, check_booking
from visits.services.round_draw import NOT_AT_DRAW
from visits.services.rounds import REQUEST_CHECKS

TZ = "America/Chicago"
MONDAY = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)  # 09:00 in Chicago
NOW = MONDAY - dt.timedelta(days=8)  # the deadline, when the draw runs
EXAMPLES = settings(max_examples=100, deadline=None)


def session_facts(slot: SessionSlot, limits: tuple[int, int, int]) -> SessionFacts:
    return SessionFacts(
        id=slot.id, starts_at=slot.starts_at, ends_at=slot.ends_at, is_open=True, tz_name=TZ,
        max_adults=limits[0], max_children=limits[1], max_visitors=limits[2],
        opens_days_before=14, closes_hours_before=24,
        weekly_quota=slot.weekly_quota, monthly_quota=slot.monthly_quota,
    )


@st.composite
def rounds(draw: st.DrawFn) -> dict:
    """A whole round: slots with their facts, people, requests and what was booked before."""
    weekly, monthly = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    slots, facts = [], {}
    for sid in range(1, draw(st.integers(1, 6)) + 1):
        start = MONDAY + dt.timedelta(days=draw(st.integers(0, 12)),
                                      hours=draw(st.sampled_from([0, 1, 2, 4])))
        iso = start.date().isocalendar()
        slot = SessionSlot(
            id=sid, starts_at=start, ends_at=start + dt.timedelta(hours=2),
            places=draw(st.integers(0, 4)), quota_key_week=f"{iso[0]}-W{iso[1]}:in_person",
            quota_key_month=f"{start:%Y-%m}:in_person", weekly_quota=weekly,
            monthly_quota=monthly,
        )
        slots.append(slot)
        facts[sid] = session_facts(slot, (draw(st.integers(1, 2)), draw(st.integers(0, 3)),
                                          draw(st.integers(1, 4))))
    people: dict[int, VisitorFacts] = {}
    households: dict[int, list[int]] = {}
    for hid in range(1, draw(st.integers(1, 8)) + 1):
        households[hid] = []
        for _ in range(draw(st.integers(1, 3))):
            vid = len(people) + 1
            people[vid] = VisitorFacts(
                id=vid, first_name=f"V{vid}",
                date_of_birth=dt.date(draw(st.sampled_from([1960, 1990, 2015, 2020])), 5, 1),
                approval_status=draw(st.sampled_from(["approved"] * 5 + ["pending"])),
                guardian_consent=draw(st.booleans()) or draw(st.booleans()),
            )
            households[hid].append(vid)
    requests, rid = [], 0
    for hid, visitor_ids in households.items():
        for resident_id in draw(st.sets(st.integers(1, 5), max_size=2)):
            rid += 1
            coming = draw(st.sets(st.sampled_from(visitor_ids), min_size=1))
            choices = draw(st.lists(st.sampled_from([s.id for s in slots]), min_size=1,
                                    max_size=3, unique=True))
            requests.append({"id": rid, "household_id": hid, "resident_id": resident_id,
                             "visitor_ids": tuple(sorted(coming)), "choices": tuple(choices),
                             "lost": draw(st.integers(0, 4)), "km": draw(st.integers(0, 600)),
                             "days": draw(st.integers(0, 400))})
    before = draw(st.lists(st.tuples(st.integers(1, 5), st.sampled_from(slots)), max_size=4))
    return {"slots": slots, "facts": facts, "people": people, "requests": requests,
            "before": before, "seed": draw(st.integers(0, 2**62))}


def ineligible(req: dict, world: dict) -> dict[int, str]:
    """What the service marks: the first rule each choice breaks (approvals, party)."""
    visitors = [world["people"][v] for v in req["visitor_ids"]]
    out = {}
    for sid in req["choices"]:
        draft = DraftBooking(session=world["facts"][sid], visitors=visitors, now=NOW)
        found = [v for check in REQUEST_CHECKS for v in check(draft)]
        if found:
            out[sid] = found[0].code
    return out


def inputs(world: dict) -> dict:
    """The keyword arguments the service would build for `allocate`."""
    quota_used: dict[tuple[int, str], int] = defaultdict(int)
    busy: dict[tuple[str, int], list] = defaultdict(list)
    for resident_id, slot in world["before"]:
        quota_used[(resident_id, slot.quota_key_week)] += 1
        quota_used[(resident_id, slot.quota_key_month)] += 1
        busy[("resident", resident_id)].append((slot.starts_at, slot.ends_at))
    requests = [
        RoundRequest(
            id=r["id"], household_id=r["household_id"], resident_id=r["resident_id"],
            visitor_ids=r["visitor_ids"], choices=r["choices"],
            children=sum(1 for v in r["visitor_ids"]
                         if world["people"][v].date_of_birth.year > 2008),
            distance_km=r["km"], days_since_last_visit=r["days"],
            rounds_lost_in_row=r["lost"], ineligible=ineligible(r, world),
        )
        for r in world["requests"]
    ]
    return {"requests": requests, "slots": world["slots"], "weights": Weights(),
            "quota_used": dict(quota_used), "busy": dict(busy)}


def granted(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.session_id is not None]


@EXAMPLES
@given(rounds())
def test_never_over_capacity_or_quota(world: dict) -> None:
    args = inputs(world)
    outcomes = allocate(seed=world["seed"], **args)

    per_slot = Counter(o.session_id for o in granted(outcomes))
    for slot in world["slots"]:
        assert per_slot[slot.id] <= slot.places
    by_id = {r.id: r for r in args["requests"]}
    slots = {s.id: s for s in world["slots"]}
    used = Counter(args["quota_used"])
    for o in granted(outcomes):
        slot, resident = slots[o.session_id], by_id[o.request_id].resident_id
        used[(resident, slot.quota_key_week)] += 1
        used[(resident, slot.quota_key_month)] += 1
        assert used[(resident, slot.quota_key_week)] <= slot.weekly_quota
        assert used[(resident, slot.quota_key_month)] <= slot.monthly_quota


@EXAMPLES
@given(rounds(), st.randoms(use_true_random=False))
def test_same_seed_same_result_whatever_the_input_order(world: dict, rnd: random.Random) -> None:
    args = inputs(world)
    first = allocate(seed=world["seed"], **args)
    shuffled = list(args["requests"])
    rnd.shuffle(shuffled)
    again = allocate(seed=world["seed"], **{**args, "requests": shuffled})
    replayed = allocate(seed=world["seed"], **from_snapshot(snapshot(**args)))
    assert first == again == replayed


@EXAMPLES
@given(rounds())
def test_every_allocated_booking_passes_the_rules(world: dict) -> None:
    """Replay the grants in draw order against `check_booking`, with the resident's
    counts and everyone's overlaps as they stand at that moment: no rule may object."""
    args = inputs(world)
    outcomes = allocate(seed=world["seed"], **args)
    by_id = {r.id: r for r in args["requests"]}
    slots = {s.id: s for s in world["slots"]}
    used = Counter(args["quota_used"])
    busy = defaultdict(list, {k: list(v) for k, v in args["busy"].items()})
    for o in granted(outcomes):
        request, slot = by_id[o.request_id], slots[o.session_id]
        clash = {p for p, spans in busy.items()
                 if any(a < slot.ends_at and slot.starts_at < b for a, b in spans)}
        draft = DraftBooking(
            session=world["facts"][slot.id],
            visitors=[world["people"][v] for v in request.visitor_ids], now=NOW,
            resident_week_count=used[(request.resident_id, slot.quota_key_week)],
            resident_month_count=used[(request.resident_id, slot.quota_key_month)],
            resident_has_overlap=("resident", request.resident_id) in clash,
            visitors_with_overlap=[f"V{v}" for v in request.visitor_ids
                                   if ("visitor", v) in clash],
        )
        # The round is the booking window (as in the service), every other rule applies.
        assert [v.code for v in check_booking(draft) if v.code not in NOT_AT_DRAW] == []
        used[(request.resident_id, slot.quota_key_week)] += 1
        used[(request.resident_id, slot.quota_key_month)] += 1
        for person in [("resident", request.resident_id),
                       *(("visitor", v) for v in request.visitor_ids)]:
            busy[person].append((slot.starts_at, slot.ends_at))


@EXAMPLES
@given(rounds())
def test_a_household_is_never_given_two_overlapping_sessions(world: dict) -> None:
    args = inputs(world)
    outcomes = allocate(seed=world["seed"], **args)
    by_id = {r.id: r for r in args["requests"]}
    slots = {s.id: s for s in world["slots"]}
    spans = defaultdict(list)
    for o in granted(outcomes):
        spans[by_id[o.request_id].household_id].append(slots[o.session_id])
    for taken in spans.values():
        for i, a in enumerate(taken):
            for b in taken[i + 1:]:
                assert not (a.starts_at < b.ends_at and b.starts_at < a.ends_at)


@EXAMPLES
@given(rounds())
def test_only_full_choices_are_waited_on_and_choices_are_tried_in_rank_order(
    world: dict,
) -> None:
    args = inputs(world)
    by_id = {r.id: r for r in args["requests"]}
    for o in allocate(seed=world["seed"], **args):
        request = by_id[o.request_id]
        if o.session_id is None:
            assert set(o.reasons) == set(request.choices)
            assert o.waitlisted_on == tuple(s for s in request.choices if o.reasons[s] == "full")
        else:  # every better choice was refused, with a reason
            assert request.choices.index(o.session_id) + 1 == o.choice_rank
            assert list(o.reasons) == list(request.choices[: o.choice_rank - 1])
