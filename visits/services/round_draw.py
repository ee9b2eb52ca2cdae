"""Draw a request round at its deadline and write the result.

Build the pure lottery's inputs from rows, run `allocate()` with a seed drawn now and
recorded, then book the winners through the same checks as any booking (every visiting
rule again, under the row locks, with the session's `held` constraint as the last guard),
put the others on the waiting lists of their choices in draw order and say why on each
request. Each household is told by a job after the draw commits (`round_notices`), so the
locks are held only for the draw's own writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils.translation import gettext as _

from scheduler.batches import cyclic_gc_paused
from scheduler.errors import Conflict, NotFound
from visits.access import facility_of_liaison
from visits.allocation import (
    Outcome,
    RoundRequest,
    SessionSlot,
    Weights,
    allocate,
    from_snapshot,
    snapshot,
)
from visits.calendar import local_date, local_midnight_utc, month_bounds, week_bounds
from visits.facts import session_facts
from visits.models import (
    ACTIVE_STATUSES,
    LIVE_STATUSES,
    ApprovedVisitor,
    Booking,
    BookingStatus,
    BookingStatusChange,
    BookingVisitor,
    Household,
    Resident,
    Session,
    SessionStatus,
)
from visits.round_models import (
    LOST_STATUSES,
    PriorityWeights,
    RequestRound,
    RequestStatus,
    RoundStatus,
    VisitRequest,
)
from visits.rules import (
    DraftBooking,
    SessionFacts,
    Violation,
    VisitorFacts,
    check_booking,
    is_child,
)
from visits.services.common import announce_places, now
from visits.services.round_notices import round_tell_families_on_commit
from visits.services.rounds import request_violations

logger = logging.getLogger(__name__)

# At the draw the round itself is the booking window, so "booking has not opened yet"
# does not apply; every other rule does.
NOT_AT_DRAW = {"window_not_open"}
# A resident who was never visited has waited as long as the lottery counts.
NEVER_VISITED_DAYS = Weights().max_days_since_visit


@dataclass(frozen=True)
class DrawSummary:
    round_id: int
    seed: int
    requests: int
    granted: int
    waitlisted: int
    not_granted: int


# --- who a draw is about --------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The round's pending requests' households, residents and visitors, as subqueries.

    A round of 10,000 requests would otherwise put tens of thousands of ids in each IN
    list: a parameter apiece that Django builds and psycopg quotes, and a long statement
    for PostgreSQL to parse. The round's row is locked, so the set cannot change."""

    households: QuerySet
    residents: QuerySet
    visitors: QuerySet


def _scope(rnd: RequestRound) -> _Scope:
    pending = VisitRequest.objects.filter(round=rnd, status=RequestStatus.PENDING)
    chosen = VisitRequest.visitors.through.objects.filter(
        visitrequest__round=rnd, visitrequest__status=RequestStatus.PENDING)
    return _Scope(households=pending.values("household_id"),
                  residents=pending.values("resident_id"),
                  visitors=chosen.values("visitor_id"))


# --- the pure inputs, from rows -----------------------------------------------------------


def _week_key(day: dt.date, kind: str) -> str:
    return f"{week_bounds(day)[0].isoformat()}:{kind}"


def _month_key(day: dt.date, kind: str) -> str:
    return f"{day:%Y-%m}:{kind}"


@dataclass(frozen=True)
class _SessionKeys:
    """What the draw reads of a session again and again, worked out once per draw: its
    facts for the rules, its local day and its quota keys (tens of thousands of checks
    ask for them, of a few dozen sessions)."""

    facts: SessionFacts
    day: dt.date
    week: str
    month: str
    closed_units: frozenset[int]  # units closed that day (a facility-wide session)


def _session_keys(sessions: dict[int, Session]) -> dict[int, _SessionKeys]:
    closed: dict[int, set[int]] = defaultdict(set)
    flagged = [pk for pk, session in sessions.items() if session.has_closed_units]
    if flagged:
        for session_id, unit_id in Session.closed_units.through.objects.filter(
                session_id__in=flagged).values_list("session_id", "housingunit_id"):
            closed[session_id].add(unit_id)
    out = {}
    for pk, session in sessions.items():
        day = local_date(session.starts_at, session.facility.time_zone)
        out[pk] = _SessionKeys(facts=session_facts(session), day=day,
                               week=_week_key(day, session.kind),
                               month=_month_key(day, session.kind),
                               closed_units=frozenset(closed[pk]))
    return out


def _unit_closed(request: VisitRequest, keys: _SessionKeys) -> bool:
    return request.resident_unit_id in keys.closed_units


def _slot(session: Session, keys: _SessionKeys) -> SessionSlot:
    return SessionSlot(
        id=session.pk, starts_at=session.starts_at, ends_at=session.ends_at,
        places=session.remaining, quota_key_week=keys.week, quota_key_month=keys.month,
        weekly_quota=session.rule.weekly_quota, monthly_quota=session.rule.monthly_quota,
    )


def weights_for(facility_id: int) -> Weights:
    row = PriorityWeights.objects.filter(facility_id=facility_id).first()
    if row is None:
        return Weights()
    return Weights(per_child=row.per_child, per_100_km=row.per_100_km,
                   per_30_days_since_visit=row.per_30_days_since_visit,
                   per_round_lost=row.per_round_lost)


def rounds_lost_in_row(
    household_ids: Iterable[int] | QuerySet, facility_id: int
) -> dict[int, int]:
    """Per household, how many of its latest drawn rounds at this facility it lost in a row
    (a round counts as won if any of its requests in it got a place)."""
    history = (
        VisitRequest.objects.filter(
            household_id__in=household_ids, round__facility_id=facility_id,
            round__status=RoundStatus.ALLOCATED,
        )
        .exclude(status=RequestStatus.WITHDRAWN)
        .order_by("household_id", "-round__deadline", "-round_id")
        .values_list("household_id", "round_id", "status")
    )
    rounds: dict[int, dict[int, bool]] = defaultdict(dict)  # newest round first
    for household_id, round_id, status in history:
        won = rounds[household_id].get(round_id, False)
        rounds[household_id][round_id] = won or status not in LOST_STATUSES
    streaks = {}
    for household_id, results in rounds.items():
        lost = 0
        for won in results.values():
            if won:
                break
            lost += 1
        streaks[household_id] = lost
    return streaks


def days_since_last_visit(
    resident_ids: list[int], moment: dt.datetime, among: QuerySet | None = None
) -> dict[int, int]:
    """Days since each resident's last visit; `among`: the same residents as a subquery."""
    visited = (
        Booking.objects.filter(
            resident_id__in=resident_ids if among is None else among,
            session__starts_at__lt=moment,
            status__in=[BookingStatus.CHECKED_IN, BookingStatus.CONFIRMED],
        )
        .values("resident_id").annotate(last=Max("session__starts_at"))
    )
    last = {row["resident_id"]: row["last"] for row in visited}
    return {
        pk: (moment - last[pk]).days if pk in last else NEVER_VISITED_DAYS for pk in resident_ids
    }


def _existing_bookings(
    rnd: RequestRound, scope: _Scope, slots: list[SessionSlot],
) -> list[Booking]:
    """Live bookings outside this round that count against quotas or could overlap: the
    residents', households' and visitors' bookings in the months the round's sessions fall in."""
    if not slots:
        return []
    tz = rnd.facility.time_zone
    first = month_bounds(local_date(min(s.starts_at for s in slots), tz))[0]
    last = month_bounds(local_date(max(s.starts_at for s in slots), tz))[1]
    # A week either side: a quota week can straddle the turn of a month.
    span = (local_midnight_utc(first - dt.timedelta(days=7), tz),
            local_midnight_utc(last + dt.timedelta(days=8), tz))
    live = Booking.objects.filter(
        status__in=ACTIVE_STATUSES, session__starts_at__gte=span[0],
        session__starts_at__lt=span[1],
    ).select_related("session__facility")
    found = {b.pk: b for b in live.filter(resident_id__in=scope.residents)}
    for booking in live.filter(household_id__in=scope.households):
        found.setdefault(booking.pk, booking)
    for booking in live.filter(booking_visitors__visitor_id__in=scope.visitors).distinct():
        found.setdefault(booking.pk, booking)
    return list(found.values())


def _already_booked(
    rnd: RequestRound, requests: list[VisitRequest], slots: list[SessionSlot], scope: _Scope,
) -> tuple[dict, dict]:
    """What residents and visitors already hold: quota used per (resident, key), and the
    time spans each person is busy."""
    resident_ids = {r.resident_id for r in requests}
    visitor_ids = {v.pk for r in requests for v in r.people}
    bookings = _existing_bookings(rnd, scope, slots)
    people: dict[int, list[int]] = defaultdict(list)
    rows = BookingVisitor.objects.filter(booking_id__in=[b.pk for b in bookings])
    for booking_id, visitor_id in rows.values_list("booking_id", "visitor_id"):
        people[booking_id].append(visitor_id)
    quota_used: dict[tuple[int, str], int] = defaultdict(int)
    busy: dict[tuple[str, int], list] = defaultdict(list)
    wanted_visitors = visitor_ids
    household_ids = {r.household_id for r in requests}
    for booking in bookings:
        session = booking.session
        day = local_date(session.starts_at, session.facility.time_zone)
        if booking.resident_id in resident_ids:
            quota_used[(booking.resident_id, _week_key(day, session.kind))] += 1
            quota_used[(booking.resident_id, _month_key(day, session.kind))] += 1
            busy[("resident", booking.resident_id)].append((session.starts_at, session.ends_at))
        if booking.household_id in household_ids:
            busy[("household", booking.household_id)].append(
                (session.starts_at, session.ends_at))
        for visitor_id in people[booking.pk]:
            if visitor_id in wanted_visitors:
                busy[("visitor", visitor_id)].append((session.starts_at, session.ends_at))
    return dict(quota_used), dict(busy)


@dataclass(frozen=True)
class _Approval:
    """What the rules read of an approval (a big round has tens of thousands: plain
    values, not model rows)."""

    status: str
    expires_on: dt.date | None
    guardian_consent_on_file: bool


@dataclass(frozen=True)
class _Person:
    """Who comes on a request: what the draw's checks and writes read of a visitor."""

    pk: int
    household_id: int
    first_name: str
    date_of_birth: dt.date | None


def _approvals(requests: list[VisitRequest], scope: _Scope) -> dict[tuple[int, int], _Approval]:
    """Every approval the round's requests rely on, in one query: (visitor, resident)."""
    residents = {r.resident_id for r in requests}
    rows = ApprovedVisitor.objects.filter(visitor_id__in=scope.visitors).values_list(
        "visitor_id", "resident_id", "status", "expires_on", "guardian_consent_on_file")
    return {
        (visitor_id, resident_id): _Approval(status, expires_on, consent)
        for visitor_id, resident_id, status, expires_on, consent in rows
        if resident_id in residents
    }


def _visitor_facts(
    request: VisitRequest, approvals: dict[tuple[int, int], _Approval]
) -> list[VisitorFacts]:
    out = []
    for visitor in request.people:
        approval = approvals.get((visitor.pk, request.resident_id))
        out.append(VisitorFacts(
            id=visitor.pk, first_name=visitor.first_name, date_of_birth=visitor.date_of_birth,
            approval_status=approval.status if approval else None,
            approval_expires_on=approval.expires_on if approval else None,
            guardian_consent=approval.guardian_consent_on_file if approval else False,
        ))
    return out


def _round_request(
    request: VisitRequest, keys: dict[int, _SessionKeys], moment: dt.datetime,
    priors: dict[str, dict],
) -> RoundRequest:
    facts = _visitor_facts(request, priors["approvals"])
    choices = [pk for pk in request.choice_ids if pk in keys]
    day = keys[choices[0]].day if choices else moment.date()
    found = request_violations([keys[pk].facts for pk in choices], facts, moment)
    for pk in choices:
        if _unit_closed(request, keys[pk]):
            found[pk] = [Violation("unit_closed", "")]
    return RoundRequest(
        id=request.pk, household_id=request.household_id, resident_id=request.resident_id,
        visitor_ids=tuple(sorted(v.id for v in facts)), choices=tuple(choices),
        children=sum(1 for v in facts if is_child(v, day)),
        distance_km=float(request.distance_km),
        days_since_last_visit=priors["waited"].get(request.resident_id, NEVER_VISITED_DAYS),
        rounds_lost_in_row=priors["lost"].get(request.household_id, 0),
        ineligible={pk: found[pk][0].code for pk in choices if found[pk]},
    )


def build_inputs(
    rnd: RequestRound, requests: list[VisitRequest], moment: dt.datetime,
    approvals: dict[tuple[int, int], _Approval], scope: _Scope,
) -> dict:
    """Keyword arguments for `allocate` (all but the seed), from rows; `approvals` are
    `_approvals(requests)`, read once for the inputs and the writer's checks."""
    sessions = {
        s.pk: s for s in rnd.sessions.select_related("facility", "rule").order_by("starts_at", "id")
    }
    keys = _session_keys(sessions)
    slots = [_slot(s, keys[pk]) for pk, s in sessions.items()]
    priors = {
        "lost": rounds_lost_in_row(scope.households, rnd.facility_id),
        "waited": days_since_last_visit(sorted({r.resident_id for r in requests}), moment,
                                        among=scope.residents),
        "approvals": approvals,
    }
    quota_used, busy = _already_booked(rnd, requests, slots, scope)
    return {
        "requests": [_round_request(r, keys, moment, priors) for r in requests],
        "slots": slots, "weights": weights_for(rnd.facility_id),
        "quota_used": quota_used, "busy": busy,
    }


# --- the draw ------------------------------------------------------------------------------


def rounds_allocate_due() -> int:
    """Draw every open round whose deadline has passed; returns how many were drawn."""
    due = RequestRound.objects.filter(status=RoundStatus.OPEN, deadline__lte=now())
    drawn = 0
    for round_id in due.order_by("deadline", "id").values_list("pk", flat=True):
        try:
            drawn += round_allocate(round_id=round_id) is not None
        except Exception:  # one broken round (rolled back whole) must not hold up the others
            logger.exception("drawing request round %s failed; it is retried next run", round_id)
    return drawn


def round_allocate(*, round_id: int, seed: int | None = None) -> DrawSummary | None:
    """Draw one round whose deadline has passed. Returns None if it is not due or was
    already drawn (so running it twice, or in two workers at once, draws it once).

    Locks the round row for the whole draw (a second worker waits, then finds it drawn),
    then every household, resident and session involved, each in primary-key order.
    `seed` is for tests and benchmarks; otherwise a fresh random one is drawn.
    """
    with cyclic_gc_paused(), transaction.atomic():
        rnd = (
            RequestRound.objects.select_for_update(of=("self",))
            .select_related("facility", "rule").filter(pk=round_id).first()
        )
        if rnd is None or rnd.status != RoundStatus.OPEN or now() < rnd.deadline:
            return None
        requests = _pending_requests(rnd)
        scope = _scope(rnd)
        locked = _lock_rows(rnd, scope)
        moment = now()
        approvals = _approvals(requests, scope)
        inputs = build_inputs(rnd, requests, moment, approvals, scope)
        seed = secrets.randbits(62) if seed is None else seed
        outcomes = allocate(seed=seed, **inputs)
        summary = _write(requests, outcomes, locked, inputs, moment, approvals)
        _mark_allocated(rnd, seed, moment, inputs)
        round_tell_families_on_commit(rnd.pk)
    return DrawSummary(round_id=rnd.pk, seed=seed, requests=len(requests), **summary)


def _pending_requests(rnd: RequestRound) -> list[VisitRequest]:
    """The round's pending requests, with who comes (`people`) and the household's distance:
    only what the draw reads. Who comes is read from the requests' visitor links in one
    query of plain values: a big round has tens of thousands, and a model apiece costs."""
    requests = list(
        VisitRequest.objects.filter(round=rnd, status=RequestStatus.PENDING)
        .annotate(distance_km=F("household__distance_km"),
                  resident_unit_id=F("resident__unit_id"))
        .order_by("id")
    )
    people: dict[int, list[_Person]] = defaultdict(list)
    links = (
        VisitRequest.visitors.through.objects
        .filter(visitrequest__round=rnd, visitrequest__status=RequestStatus.PENDING)
        .order_by("visitor__date_of_birth", "visitor_id")  # as `Visitor` orders them
        .values_list("visitrequest_id", "visitor_id", "visitor__household_id",
                     "visitor__first_name", "visitor__date_of_birth")
    )
    for request_id, visitor_id, household_id, first_name, born in links:
        people[request_id].append(_Person(visitor_id, household_id, first_name, born))
    for request in requests:
        request.people = people[request.pk]
    return requests


def _lock_rows(rnd: RequestRound, scope: _Scope) -> dict[int, Session]:
    """Lock households, residents and sessions in the order every booking locks them."""
    list(Household.objects.select_for_update().filter(
        pk__in=scope.households).order_by("pk").values_list("pk"))
    list(Resident.objects.select_for_update().filter(
        pk__in=scope.residents).order_by("pk").values_list("pk"))
    sessions = (
        Session.objects.select_for_update(of=("self",)).select_related("facility", "rule")
        .filter(request_rounds=rnd).order_by("pk")
    )
    return {s.pk: s for s in sessions}


def _mark_allocated(rnd: RequestRound, seed: int, moment: dt.datetime, inputs: dict) -> None:
    record = snapshot(**inputs)
    changed = RequestRound.objects.filter(pk=rnd.pk, status=RoundStatus.OPEN).update(
        status=RoundStatus.ALLOCATED, seed=seed, allocated_at=moment, inputs=record
    )
    if changed != 1:  # the round row is locked: nobody else can have drawn it
        raise RuntimeError(f"request round {rnd.pk} changed while its row was locked")


# --- writing the result --------------------------------------------------------------------


class _Writer:
    """Writes a draw's bookings. Each granted place is checked against every visiting rule
    again, as a booking is, from the rows the draw read under its locks (approvals, the
    quotas and times already booked) plus the places granted so far in this draw; then all
    bookings, their visitors and status history are written in bulk at the end, and the
    `held` counters under the sessions' locks and the held <= capacity constraint (the
    last guard)."""

    def __init__(self, sessions: dict[int, Session], moment: dt.datetime, inputs: dict,
                 approvals: dict[tuple[int, int], _Approval]) -> None:
        self.sessions, self.moment, self.approvals = sessions, moment, approvals
        self.keys = _session_keys(sessions)
        self.quota_used: Counter[tuple[int, str]] = Counter(inputs["quota_used"])
        self.busy: dict[tuple[str, int], list] = defaultdict(list)
        for key, spans in inputs["busy"].items():
            self.busy[key] = list(spans)
        self.held: Counter[int] = Counter()
        self.granted: list[tuple[Booking, list]] = []
        self.waiting: list[tuple[Booking, list]] = []
        self.live = set(Booking.objects.filter(
            session__in=list(sessions), status__in=LIVE_STATUSES
        ).values_list("session_id", "resident_id"))

    def book(self, request: VisitRequest, session: Session) -> tuple[Booking | None, str]:
        """Book a drawn place after checking every rule again, as a booking does.

        Returns the booking, or None and the first rule it breaks (the pure draw mirrors
        the rules, so this only happens if rows and draw disagree; the family is told why).
        """
        visitors = request.people
        if any(v.household_id != request.household_id for v in visitors):
            return None, "visitor_not_approved"  # someone is no longer in the household
        if _unit_closed(request, self.keys[session.pk]):
            return None, "unit_closed"
        violations = [v for v in check_booking(self._draft(request, session, visitors))
                      if v.code not in NOT_AT_DRAW]
        if violations:
            return None, violations[0].code
        if session.held >= session.capacity or (session.pk, request.resident_id) in self.live:
            return None, "full"
        session.held += 1
        self.held[session.pk] += 1
        self._count(request, session, visitors)
        booking = self._booking(session, request, BookingStatus.REQUESTED)
        self.granted.append((booking, visitors))
        return booking, ""

    def _draft(self, request: VisitRequest, session: Session, visitors: list) -> DraftBooking:
        """What a booking would check: the rows read under the draw's locks, and this draw's
        own grants (counted in `_count`)."""
        week, month = self._quota_keys(request, session)
        span = (session.starts_at, session.ends_at)
        return DraftBooking(
            session=self.keys[session.pk].facts,
            visitors=_visitor_facts(request, self.approvals),
            now=self.moment,
            resident_week_count=self.quota_used[week],
            resident_month_count=self.quota_used[month],
            resident_has_overlap=_overlaps(self.busy[("resident", request.resident_id)], span),
            visitors_with_overlap=sorted(
                v.first_name for v in visitors if _overlaps(self.busy[("visitor", v.pk)], span)),
        )

    def _quota_keys(
        self, request: VisitRequest, session: Session
    ) -> tuple[tuple[int, str], tuple[int, str]]:
        keys = self.keys[session.pk]
        return (request.resident_id, keys.week), (request.resident_id, keys.month)

    def _count(self, request: VisitRequest, session: Session, visitors: list) -> None:
        for key in self._quota_keys(request, session):
            self.quota_used[key] += 1
        span = (session.starts_at, session.ends_at)
        self.busy[("resident", request.resident_id)].append(span)
        for visitor in visitors:
            self.busy[("visitor", visitor.pk)].append(span)

    def waitlist(self, request: VisitRequest, outcome: Outcome) -> list[int]:
        """Queue the request on each full choice, in draw order (the waiting list serves
        the oldest entry first, and entries are written in this order)."""
        placed = []
        for session_id in outcome.waitlisted_on:
            session = self.sessions.get(session_id)
            if session is None or session.status != SessionStatus.OPEN or (
                session_id, request.resident_id) in self.live or _unit_closed(
                    request, self.keys[session_id]):
                continue
            booking = self._booking(session, request, BookingStatus.WAITLISTED)
            self.waiting.append((booking, request.people))
            placed.append(session_id)
        return placed

    def _booking(self, session: Session, request: VisitRequest, status: str) -> Booking:
        self.live.add((session.pk, request.resident_id))
        return Booking(session_id=session.pk, resident_id=request.resident_id,
                       household_id=request.household_id, status=status)

    def finish(self) -> None:
        """Write the bookings (grants first, then the waiting lists in draw order), who
        comes to each, their first status line, and the sessions' counters."""
        written = self.granted + self.waiting
        # By id, not by instance: tens of thousands of rows, and Django checks each related
        # instance it is handed before saving.
        created = Booking.objects.bulk_create([booking for booking, _people in written])
        BookingVisitor.objects.bulk_create([
            BookingVisitor(booking_id=booking.pk, visitor_id=visitor.pk)
            for booking, (_same, people) in zip(created, written, strict=True)
            for visitor in people
        ])
        BookingStatusChange.objects.bulk_create([
            BookingStatusChange(booking_id=booking.pk, to_status=booking.status,
                                reason="request round")
            for booking in created
        ])
        for session_id, count in sorted(self.held.items()):
            Session.objects.filter(pk=session_id).update(held=F("held") + count)


def _overlaps(spans: list[tuple[dt.datetime, dt.datetime]],
              span: tuple[dt.datetime, dt.datetime]) -> bool:
    return any(start < span[1] and end > span[0] for start, end in spans)


def _write(
    requests: list[VisitRequest], outcomes: list[Outcome],
    sessions: dict[int, Session], inputs: dict, moment: dt.datetime,
    approvals: dict[tuple[int, int], _Approval],
) -> dict[str, int]:
    by_id = {r.pk: r for r in requests}
    pure = {r.id: r for r in inputs["requests"]}
    writer = _Writer(sessions, moment, inputs, approvals)
    counts = {"granted": 0, "waitlisted": 0, "not_granted": 0}
    for outcome in outcomes:
        request = by_id[outcome.request_id]
        _apply(request, outcome, pure[outcome.request_id], writer, len(outcomes))
        counts[request.status] += 1
    writer.finish()
    _save_outcomes(requests)
    for pk in sorted(sessions):
        announce_places(sessions[pk])
    return counts


REQUEST_OUTCOME_FIELDS = ["status", "granted_session", "granted_rank", "booking", "position",
                          "weight", "explanation", "updated_at"]


def _save_outcomes(requests: list[VisitRequest]) -> None:
    """Write each request's outcome back to its row. One upsert on the primary key (the rows
    exist, so only the outcome's fields change): `bulk_update` builds a CASE expression per
    field and row, which takes minutes for a draw of thousands."""
    VisitRequest.objects.bulk_create(
        requests, update_conflicts=True, unique_fields=["pk"],
        update_fields=REQUEST_OUTCOME_FIELDS,
    )


def _apply(
    request: VisitRequest, outcome: Outcome, pure: RoundRequest, writer: _Writer, total: int,
) -> None:
    reasons = {str(k): v for k, v in outcome.reasons.items()}
    booking = None
    if outcome.session_id is not None:
        booking, refused = writer.book(request, writer.sessions[outcome.session_id])
        if refused:
            reasons[str(outcome.session_id)] = refused
    waiting = [] if booking else writer.waitlist(request, outcome)
    request.status = (
        RequestStatus.GRANTED if booking
        else RequestStatus.WAITLISTED if waiting else RequestStatus.NOT_GRANTED
    )
    request.booking = booking
    request.granted_session_id = booking.session_id if booking else None
    request.granted_rank = outcome.choice_rank if booking else None
    request.position, request.weight = outcome.position, outcome.weight
    request.updated_at = writer.moment
    request.explanation = {
        "priorities": {"children": pure.children, "distance_km": pure.distance_km,
                       "days_since_last_visit": pure.days_since_last_visit,
                       "rounds_lost_in_row": pure.rounds_lost_in_row},
        "of": total, "reasons": reasons, "waitlisted_on": waiting,
        "lottery": {"session_id": outcome.session_id, "rank": outcome.choice_rank,
                    "position": outcome.position},
    }


# --- checking a draw -----------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    round_id: int
    seed: int
    checked: int
    matches: bool
    differences: list[dict]


def round_verify(*, actor: AbstractBaseUser, round_id: int) -> VerifyResult:
    """Re-run a drawn round's lottery from its recorded inputs and seed and compare each
    request's result with what was recorded. Raises NotPermitted, NotFound, Conflict."""
    facility = facility_of_liaison(actor)
    rnd = RequestRound.objects.filter(pk=round_id, facility=facility).first()
    if rnd is None:
        raise NotFound(_("We could not find that request round."))
    if rnd.status != RoundStatus.ALLOCATED:
        raise Conflict(_("This round has not been drawn yet."), code="round_not_drawn")
    outcomes = allocate(seed=rnd.seed, **from_snapshot(rnd.inputs))
    recorded = {
        pk: (exp.get("lottery") or {})
        for pk, exp in VisitRequest.objects.filter(round=rnd).exclude(
            status=RequestStatus.WITHDRAWN).values_list("pk", "explanation")
    }
    differences = []
    for outcome in outcomes:
        was = recorded.pop(outcome.request_id, {})
        rerun = {"session_id": outcome.session_id, "rank": outcome.choice_rank,
                 "position": outcome.position}
        if was != rerun:
            differences.append({"request_id": outcome.request_id, "recorded": was,
                                "re_run": rerun})
    differences += [{"request_id": pk, "recorded": was, "re_run": None}
                    for pk, was in recorded.items()]
    return VerifyResult(round_id=rnd.pk, seed=rnd.seed, checked=len(outcomes),
                        matches=not differences, differences=differences)
