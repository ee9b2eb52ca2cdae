"""Request-round allocation: how long a big draw takes, and how many first choices it grants.

pure   the lottery alone (`visits.allocation.allocate`): 10,000 requests over 4,600 places
       (46 sessions of 100), three ranked choices each, Saturday mornings most wanted;
orm    (with --orm N) the whole draw through the ORM, `round_allocate`: N requests in a
       seeded round (places = 46% of N), end to end: building the inputs from rows, the
       draw, every booking checked and written, waiting lists, one event per household.
       It runs inside one transaction on the configured database and rolls it all back.

Prints one `name: value` line per figure, or one JSON object with --json.
Run: .venv/bin/python bench/allocation.py [--requests 10000] [--places 4600] [--orm 3000]
     [--json]   (the ORM part uses DATABASE_URL, e.g. your own PostgreSQL database)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from visits.allocation import RoundRequest, SessionSlot, Weights, allocate  # noqa: E402

SESSIONS = 46
SEED = 20261205


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--places", type=int, default=4_600)
    p.add_argument("--repeat", type=int, default=3, help="pure draws to time (best is kept)")
    p.add_argument("--orm", type=int, default=0, help="also time an ORM draw of N requests")
    p.add_argument("--json", action="store_true")
    return p.parse_args(argv)


def popularity(count: int) -> list[float]:
    """Earlier sessions (Saturday morning) are wanted most: weights fall off gently."""
    return [1.0 / (1 + i / 6) for i in range(count)]


def pure_round(requests: int, places: int) -> tuple[list[RoundRequest], list[SessionSlot]]:
    rng = random.Random(SEED)
    start = dt.datetime(2026, 12, 5, 15, tzinfo=dt.UTC)
    per_session, extra = divmod(places, SESSIONS)
    slots = [
        SessionSlot(
            id=i + 1, starts_at=start + dt.timedelta(hours=3 * i),
            ends_at=start + dt.timedelta(hours=3 * i + 2),
            places=per_session + (i < extra), quota_key_week="2026-W49:in_person",
            quota_key_month="2026-12:in_person", weekly_quota=2, monthly_quota=6,
        )
        for i in range(SESSIONS)
    ]
    wanted = popularity(SESSIONS)
    out = []
    for n in range(1, requests + 1):
        choices: list[int] = []
        while len(choices) < 3:
            pick = rng.choices(slots, weights=wanted)[0].id
            if pick not in choices:
                choices.append(pick)
        out.append(RoundRequest(
            id=n, household_id=n, resident_id=rng.randint(1, requests * 8 // 10),
            visitor_ids=tuple(range(n * 4, n * 4 + rng.randint(1, 3))), choices=tuple(choices),
            children=rng.choice([0, 0, 1, 2, 3]), distance_km=rng.uniform(5, 400),
            days_since_last_visit=rng.randint(0, 200), rounds_lost_in_row=rng.choice([0, 0, 1, 2]),
        ))
    return out, slots


def time_pure(args: argparse.Namespace) -> dict[str, float]:
    requests, slots = pure_round(args.requests, args.places)
    best = float("inf")
    for _ in range(max(args.repeat, 1)):
        began = time.perf_counter()
        outcomes = allocate(requests=requests, slots=slots, seed=SEED, weights=Weights())
        best = min(best, time.perf_counter() - began)
    granted = [o for o in outcomes if o.session_id is not None]
    return {
        "pure_requests": len(requests),
        "pure_places": sum(s.places for s in slots),
        "pure_seconds": round(best, 4),
        "pure_granted": len(granted),
        "pure_first_choice_share": round(sum(o.choice_rank == 1 for o in granted)
                                         / len(requests), 4),
        "pure_first_choice_share_of_granted": round(
            sum(o.choice_rank == 1 for o in granted) / max(len(granted), 1), 4),
    }


# --------------------------------------------------------------------------- ORM draw


def time_orm(count: int) -> dict[str, float]:
    """Seed a round of `count` requests, draw it through `round_allocate`, roll it back."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    _vacuum(connection)
    with transaction.atomic():
        round_id, liaison = _seed_orm_round(count)
        began = time.perf_counter()
        summary = _draw(round_id)
        seconds = time.perf_counter() - began
        figures = _orm_figures(round_id, summary, seconds, liaison, count)
        figures["orm_tell_seconds"] = _tell(round_id)
        figures["orm_database"] = connection.vendor
        transaction.set_rollback(True)  # leave the database as it was
    return figures


def _vacuum(connection) -> None:
    """Clear what earlier runs left. Each run rolls back ~80,000 inserted rows, and without
    autovacuum (off on this machine's PostgreSQL) their dead rows stay in the tables and
    indexes, so each run wrote slower than the one before (4.85, 4.95, 5.03 s). A served
    database has autovacuum on. VACUUM cannot run inside a transaction: before the seed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def _draw(round_id: int):
    from visits.services import round_allocate

    return round_allocate(round_id=round_id, seed=SEED)


def _tell(round_id: int) -> float:
    """The job after the draw's commit: one event and delivery per household."""
    from visits.services import round_tell_families

    began = time.perf_counter()
    round_tell_families(round_id=round_id)
    return round(time.perf_counter() - began, 3)


def _orm_figures(round_id: int, summary, seconds: float, liaison, count: int) -> dict:
    from visits.round_models import VisitRequest
    from visits.services import round_verify

    began = time.perf_counter()
    verified = round_verify(actor=liaison, round_id=round_id)
    ranks = VisitRequest.objects.filter(round_id=round_id, granted_rank=1).count()
    return {
        "orm_requests": count, "orm_seconds": round(seconds, 3),
        "orm_granted": summary.granted, "orm_waitlisted": summary.waitlisted,
        "orm_first_choice_share": round(ranks / count, 4),
        "orm_verify_seconds": round(time.perf_counter() - began, 3),
        "orm_verify_matches": verified.matches,
    }


def _seed_orm_round(count: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from visits.models import (
        AllocationMode,
        ApprovedVisitor,
        Facility,
        Household,
        Liaison,
        Resident,
        Session,
        VisitingRule,
        Visitor,
    )
    from visits.round_models import RequestRound, VisitRequest

    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    facility = Facility.objects.create(name="Bench facility", time_zone="America/Chicago")
    per_session = max(round(count * 0.46 / SESSIONS), 1)
    rule = VisitingRule.objects.create(
        facility=facility, name="Bench", kind="in_person", rrule="FREQ=WEEKLY;BYDAY=SA",
        starts_on=now.date(), duration_minutes=120, capacity=per_session,
        allocation_mode=AllocationMode.ROUND, weekly_quota=2, monthly_quota=6,
    )
    first = now + dt.timedelta(days=8)
    sessions = Session.objects.bulk_create([
        Session(rule=rule, facility=facility, kind="in_person", capacity=per_session,
                starts_at=first + dt.timedelta(hours=3 * i),
                ends_at=first + dt.timedelta(hours=3 * i + 2))
        for i in range(SESSIONS)
    ])
    residents = Resident.objects.bulk_create([
        Resident(facility=facility, first_name="R", last_name=str(n), prison_id=f"B{n}")
        for n in range(max(count * 8 // 10, 1))
    ])
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"bench-{n}") for n in range(count + 1)])
    Liaison.objects.create(user=users[-1], facility=facility)
    households = Household.objects.bulk_create([
        Household(caregiver=u, name=f"B{n}", distance_km=rng.randint(5, 400))
        for n, u in enumerate(users[:-1])
    ])
    visitors = Visitor.objects.bulk_create([
        Visitor(household=h, first_name="V", last_name=str(k),
                date_of_birth=dt.date(1970 if k == 0 else 2016, 1, 1), is_caregiver=k == 0)
        for h in households for k in range(rng.randint(1, 3))
    ])
    by_household: dict[int, list] = {}
    for v in visitors:
        by_household.setdefault(v.household_id, []).append(v)
    chosen = {h.pk: rng.choice(residents) for h in households}
    ApprovedVisitor.objects.bulk_create([
        ApprovedVisitor(visitor=v, resident=chosen[v.household_id], status="approved",
                        guardian_consent_on_file=True)
        for v in visitors
    ])
    rnd = RequestRound.objects.create(
        facility=facility, rule=rule, week_start=first.date(),
        opens_at=now - dt.timedelta(days=6), deadline=now - dt.timedelta(minutes=1))
    rnd.sessions.set(sessions)
    wanted = popularity(SESSIONS)
    requests = []
    for h in households:
        picks: list = []
        while len(picks) < 3:
            pick = rng.choices(sessions, weights=wanted)[0]
            if pick not in picks:
                picks.append(pick)
        requests.append(VisitRequest(round=rnd, household=h, resident=chosen[h.pk],
                                     first_choice=picks[0], second_choice=picks[1],
                                     third_choice=picks[2]))
    # One household may hold the same resident as another: both requests are real.
    requests = VisitRequest.objects.bulk_create(requests)
    through = VisitRequest.visitors.through
    through.objects.bulk_create([
        through(visitrequest_id=r.pk, visitor_id=v.pk)
        for r in requests for v in by_household[r.household_id]
    ])
    return rnd.pk, users[-1]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    figures = time_pure(args)
    if args.orm:
        figures.update(time_orm(args.orm))
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")
    main()
