"""Keep materialised sessions in step with the rules, for a rolling horizon."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from visits.calendar import Occurrence, expand, local_date
from visits.models import LIVE_STATUSES, Closure, Session, SessionStatus, VisitingRule
from visits.services.common import now


def _occurrences(rule: VisitingRule, first: dt.date, last: dt.date) -> list[Occurrence]:
    return expand(
        rrule_text=rule.rrule,
        starts_on=rule.starts_on,
        ends_on=rule.ends_on,
        duration_minutes=rule.duration_minutes,
        tz_name=rule.facility.time_zone,
        window_start=first,
        window_end=last,
    )


def _closure_covering(rule: VisitingRule, day: dt.date,
                      closures: list[Closure]) -> Closure | None:
    for closure in closures:
        unit_ids = {u.pk for u in closure.units.all()}
        covers_unit = not unit_ids or (rule.unit_id in unit_ids)
        if closure.starts_on <= day <= closure.ends_on and covers_unit:
            return closure
    return None


def wanted_occurrences(rule: VisitingRule, *, horizon_days: int | None = None) -> list[Occurrence]:
    """The future sessions the rule asks for, up to the horizon (none while it is paused).

    Only the future is reconciled: today's occurrences that already began are neither
    created after the fact nor counted as "created" again on every run.
    """
    if not rule.active:
        return []
    horizon = horizon_days or settings.SESSION_HORIZON_DAYS
    moment = now()
    today = local_date(moment, rule.facility.time_zone)
    wanted = _occurrences(rule, today, today + dt.timedelta(days=horizon))
    return [o for o in wanted if o.starts_at >= moment]


def keeps_booked_session(
    rule: VisitingRule, session: Session, occurrence: Occurrence | None
) -> bool:
    """Whether a booked session still fits the rule as it is now: the same time, no longer
    or shorter, and enough places for those held. If not, a liaison must look at it (the
    rules page shows these before saving)."""
    if occurrence is None:
        return False
    return rule.capacity >= session.held and session.ends_at == occurrence.ends_at


def rule_sync_sessions(*, rule: VisitingRule, horizon_days: int | None = None) -> dict[str, int]:
    """Make the rule's future sessions match it, up to the horizon.

    New occurrences get a session (closed at once if a closure covers the day). Future
    sessions nobody booked follow the rule's new times and sizes, or go away; a session
    that families have booked is never moved or removed but flagged for a liaison.
    Returns counts: created, updated, removed, flagged.
    """
    tz = rule.facility.time_zone
    today = local_date(now(), tz)
    wanted = wanted_occurrences(rule, horizon_days=horizon_days)
    closures = list(
        Closure.objects.filter(facility=rule.facility, ends_on__gte=today).prefetch_related("units")
    )
    with transaction.atomic():
        counts = _reconcile(rule, wanted, closures, tz)
    return counts


def _reconcile(
    rule: VisitingRule, wanted: list[Occurrence], closures: list[Closure], tz: str
) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "removed": 0, "flagged": 0, "unchanged": 0}
    by_start = {o.starts_at: o for o in wanted}
    existing = Session.objects.select_for_update().filter(rule=rule, starts_at__gte=now())
    booked_ids = set(
        existing.filter(bookings__status__in=LIVE_STATUSES).values_list("pk", flat=True)
    )
    for session in existing:
        occurrence = by_start.pop(session.starts_at, None)
        counts[_reconcile_one(rule, session, occurrence, session.pk in booked_ids)] += 1
    new = []
    closed_units: dict[dt.datetime, set[int]] = {}
    for occurrence in by_start.values():
        day = local_date(occurrence.starts_at, tz)
        closure = _closure_covering(rule, day, closures)
        new.append(_new_session(rule, occurrence, closure))
        units = _units_closed_on(rule, day, closures)
        if units:
            closed_units[occurrence.starts_at] = units
    Session.objects.bulk_create(new, ignore_conflicts=True)
    _mark_closed_units(rule, closed_units)
    counts["created"] = len(new)
    return counts


def _units_closed_on(rule: VisitingRule, day: dt.date, closures: list[Closure]) -> set[int]:
    """For a facility-wide rule, the units a closure of some units shuts on that day: the
    session is made open, but not for their residents (`Session.closed_units`)."""
    if rule.unit_id is not None:
        return set()
    return {unit.pk for closure in closures if closure.starts_on <= day <= closure.ends_on
            for unit in closure.units.all()}


def _mark_closed_units(rule: VisitingRule, closed_units: dict[dt.datetime, set[int]]) -> None:
    if not closed_units:
        return
    made = Session.objects.filter(rule=rule, starts_at__in=list(closed_units))
    for session in made:
        session.closed_units.add(*closed_units[session.starts_at])
    made.update(has_closed_units=True)


def _reconcile_one(
    rule: VisitingRule, session: Session, occurrence: Occurrence | None, booked: bool
) -> str:
    if occurrence is None:
        if booked:
            return _flag(session)
        if session.bookings.exists():
            # Cancelled bookings keep their history, so the row stays, closed.
            Session.objects.filter(pk=session.pk).update(status=SessionStatus.CLOSED)
        else:
            session.delete()
        return "removed"
    if booked and not keeps_booked_session(rule, session, occurrence):
        return _flag(session)
    changed = (session.capacity, session.ends_at) != (rule.capacity, occurrence.ends_at)
    if not changed:
        return "unchanged"
    Session.objects.filter(pk=session.pk).update(capacity=rule.capacity, ends_at=occurrence.ends_at)
    return "updated"


def _flag(session: Session) -> str:
    Session.objects.filter(pk=session.pk).update(needs_review=True)
    return "flagged"


def _new_session(rule: VisitingRule, occurrence: Occurrence,
                 closure: Closure | None) -> Session:
    return Session(
        rule=rule,
        facility_id=rule.facility_id,
        unit_id=rule.unit_id,
        kind=rule.kind,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        capacity=rule.capacity,
        status=SessionStatus.CLOSED if closure else SessionStatus.OPEN,
        close_reason_code=closure.reason_code if closure else "",
        close_reason=closure.reason if closure else "",
    )


def sessions_fill_horizon(*, horizon_days: int | None = None) -> int:
    """Run every active rule forward to the horizon (the periodic task). Returns sessions made."""
    made = 0
    rules = VisitingRule.objects.select_related("facility").filter(
        Q(active=True) | Q(sessions__starts_at__gte=now())
    ).distinct()
    for rule in rules:
        made += rule_sync_sessions(rule=rule, horizon_days=horizon_days)["created"]
    return made
