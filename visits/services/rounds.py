"""Request rounds, the ORM side: open rounds, take requests, refuse the midnight race.

The draw itself is pure (`visits.allocation`); writing its result is in
`visits.services.round_draw`. Lock order, as everywhere in visits: (round), household,
resident, session. A request locks its round row, so nothing can slip in while the round
is being drawn.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.models import Preference
from notifications.services import Notice, notices_emit
from notifications.text import Text
from scheduler.errors import Conflict, InvalidInput, NotFound
from visits.access import household_of
from visits.calendar import local_date, local_midnight_utc, week_bounds
from visits.facts import session_facts, visitor_facts
from visits.models import (
    AllocationMode,
    ApprovalStatus,
    Household,
    Resident,
    Session,
    SessionStatus,
    VisitingRule,
    Visitor,
)
from visits.round_models import (
    MAX_CHOICES,
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
    check_approvals,
    check_party,
    check_session_open,
)
from visits.services.common import lock_household, now, raise_violations

# The rules a request must meet when it is sent (and again at the draw). Quotas and
# overlaps are the draw's business: it hands out at most what they allow.
REQUEST_CHECKS = (check_session_open, check_approvals, check_party)


class RoundInProgress(Conflict):
    """First-come booking refused: this session's places go out by a request round."""

    code = "request_round"

    def __init__(self, message: str, *, round_id: int | None) -> None:
        super().__init__(message, extra={"round_id": round_id})


# --- when a round runs -------------------------------------------------------------------


def round_period(rule: VisitingRule, first_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """When requests open and close for a round whose first session is on `first_day`
    (local midnights, N and M days before it)."""
    tz = rule.facility.time_zone
    opens = local_midnight_utc(first_day - dt.timedelta(days=rule.round_opens_days_before), tz)
    closes = local_midnight_utc(first_day - dt.timedelta(days=rule.round_closes_days_before), tz)
    return opens, closes


def _week_of(session: Session) -> dt.date:
    return week_bounds(local_date(session.starts_at, session.facility.time_zone))[0]


def rounds_open_due(*, rule_id: int | None = None) -> int:
    """Make a round for every week of upcoming sessions of each round-mode rule whose
    deadline is still ahead, and keep its list of sessions complete. Returns rounds made."""
    rules = VisitingRule.objects.filter(active=True, allocation_mode=AllocationMode.ROUND)
    if rule_id is not None:
        rules = rules.filter(pk=rule_id)
    made = 0
    for rule in rules.select_related("facility"):
        made += _open_rounds_for_rule(rule)
    return made


def _open_rounds_for_rule(rule: VisitingRule) -> int:
    weeks: dict[dt.date, list[Session]] = defaultdict(list)
    upcoming = Session.objects.filter(rule=rule, starts_at__gt=now(), status=SessionStatus.OPEN)
    for session in upcoming.select_related("facility").order_by("starts_at"):
        weeks[_week_of(session)].append(session)
    made = 0
    for week_start, sessions in weeks.items():
        first_day = local_date(sessions[0].starts_at, rule.facility.time_zone)
        opens, deadline = round_period(rule, first_day)
        if deadline <= now():
            continue  # too late for a round: these places stay first come
        with transaction.atomic():
            rnd, created = RequestRound.objects.get_or_create(
                rule=rule, week_start=week_start,
                defaults={"facility_id": rule.facility_id, "opens_at": opens,
                          "deadline": deadline},
            )
            if rnd.status == RoundStatus.OPEN:
                rnd.sessions.add(*sessions)
        made += created
    return made


def first_come_check(session: Session, moment: dt.datetime) -> None:
    """Refuse first-come booking of a session while its round decides who gets it.

    Raises RoundInProgress. Before the round's deadline the family is pointed to the
    request form; after it, until the draw has run, she is asked to check back shortly.
    """
    if session.rule.allocation_mode != AllocationMode.ROUND:
        return
    rnd = session.request_rounds.order_by("-id").first()
    if rnd is not None and rnd.status == RoundStatus.ALLOCATED:
        return
    if rnd is None:
        day = local_date(session.starts_at, session.facility.time_zone)
        opens, deadline = round_period(session.rule, day)
        if moment >= deadline:
            return  # no round was held for it: its places are first come
        raise RoundInProgress(_(
            "Places for this visit are shared out by a fair draw, not first come. "
            "Requests open on %(when)s.") % {"when": _local(opens, session)}, round_id=None)
    if moment < rnd.deadline:
        last_day = rnd.last_request_moment.astimezone(session.facility.tz).date()
        raise RoundInProgress(_(
            "Places for this visit are shared out by a fair draw, not first come. "
            "Send a request with up to three times you would like by the end of %(day)s.")
            % {"day": last_day.isoformat()}, round_id=rnd.pk)
    raise RoundInProgress(_(
        "The draw for this visit is running now. Check back in a few minutes."),
        round_id=rnd.pk)


def _local(moment: dt.datetime, session: Session) -> str:
    return moment.astimezone(session.facility.tz).strftime("%Y-%m-%d %H:%M")


# --- a household's requests ---------------------------------------------------------------


def _lock_open_round(round_id: int) -> RequestRound:
    """Lock the round (the draw takes the same lock) and check it still takes requests."""
    rnd = (
        RequestRound.objects.select_for_update(of=("self",)).select_related("facility", "rule")
        .filter(pk=round_id).first()
    )
    if rnd is None:
        raise NotFound(_("We could not find that request round."))
    if rnd.status != RoundStatus.OPEN or now() >= rnd.deadline:
        raise Conflict(_("Requests for these visits have closed."), code="round_closed")
    if now() < rnd.opens_at:
        raise Conflict(
            _("Requests for these visits open on %(when)s.")
            % {"when": rnd.opens_at.astimezone(rnd.facility.tz).strftime("%Y-%m-%d %H:%M")},
            code="round_not_open",
        )
    return rnd


def _resident_for(household: Household, resident_id: int) -> Resident:
    resident = (
        Resident.objects.filter(
            pk=resident_id, approvals__visitor__household=household,
            approvals__status=ApprovalStatus.APPROVED,
        ).select_related("facility").distinct().first()
    )
    if resident is None:
        raise NotFound(_("We could not find that person."))
    return resident


def _visitors_of(household: Household, visitor_ids: list[int]) -> list[Visitor]:
    unique_ids = sorted(set(visitor_ids))
    visitors = list(Visitor.objects.filter(household=household, pk__in=unique_ids))
    if len(visitors) != len(unique_ids) or not unique_ids:
        raise InvalidInput(
            _("Choose who is coming from your own household."),
            fields={"visitor_ids": [_("Choose one or more people of your own household.")]},
        )
    return visitors


def _choices_for(rnd: RequestRound, resident: Resident, choices: list[int]) -> list[Session]:
    """The ranked sessions, checked: one to three, no repeats, all of this round and of
    places where this resident can be visited."""
    problem = None
    if not 1 <= len(choices) <= MAX_CHOICES:
        problem = _("Choose one, two or three times, best first.")
    elif len(set(choices)) != len(choices):
        problem = _("Choose each time only once.")
    sessions = {s.pk: s for s in rnd.sessions.select_related("facility", "rule").filter(
        pk__in=choices)} if problem is None else {}
    if problem is None and (len(sessions) != len(choices) or not all(
        _serves(sessions[pk], resident) for pk in choices
    )):
        problem = _("Choose among the times offered in this round for this person.")
    if problem:
        raise InvalidInput(problem, fields={"choices": [problem]})
    return [sessions[pk] for pk in choices]


def _serves(session: Session, resident: Resident) -> bool:
    return session.facility_id == resident.facility_id and (
        session.unit_id is None or session.unit_id == resident.unit_id
    ) and not session.closed_for(resident.unit_id)


def request_violations(
    sessions: list[SessionFacts], visitors: list[VisitorFacts], moment: dt.datetime
) -> dict[int, list[Violation]]:
    """The rules each chosen session's visit would break, by session id (pure checks)."""
    out = {}
    for session in sessions:
        draft = DraftBooking(session=session, visitors=visitors, now=moment)
        out[session.id] = [v for check in REQUEST_CHECKS for v in check(draft)]
    return out


def _check_request(
    sessions: list[Session], visitors: list[Visitor], resident_id: int
) -> None:
    found = request_violations([session_facts(s) for s in sessions],
                               visitor_facts(visitors, resident_id), now())
    unique: dict[tuple[str, str], Violation] = {}
    for violations in found.values():
        for v in violations:
            unique.setdefault((v.code, v.message), v)
    raise_violations(list(unique.values()))


def _write_choices(request: VisitRequest, sessions: list[Session]) -> None:
    picks = [s.pk for s in sessions] + [None] * (MAX_CHOICES - len(sessions))
    request.first_choice_id, request.second_choice_id, request.third_choice_id = picks


def request_submit(
    *, actor: AbstractBaseUser, round_id: int, resident_id: int, visitor_ids: list[int],
    choices: list[int],
) -> VisitRequest:
    """Send a request: who comes to see whom, and up to three sessions, best first.

    Raises NotPermitted, NotFound, InvalidInput, RuleViolation (approvals, a child with an
    adult, how many may come), Conflict (round closed or not open yet, already requested).
    Locks the round, then the household.
    """
    household = household_of(actor)
    with transaction.atomic():
        rnd = _lock_open_round(round_id)
        lock_household(household.pk)
        resident = _resident_for(household, resident_id)
        sessions = _choices_for(rnd, resident, choices)
        visitors = _visitors_of(household, visitor_ids)
        _check_request(sessions, visitors, resident.pk)
        _check_not_requested(rnd, household, resident)
        request = VisitRequest(round=rnd, household=household, resident=resident)
        _write_choices(request, sessions)
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:  # the unique constraint, should a check above ever miss
            raise _already_requested(None) from None
        request.visitors.set(visitors)
    return request


def _check_not_requested(rnd: RequestRound, household: Household, resident: Resident) -> None:
    earlier = VisitRequest.objects.filter(
        round=rnd, household=household, resident=resident
    ).exclude(status=RequestStatus.WITHDRAWN).first()
    if earlier:
        raise _already_requested(earlier.pk)


def _already_requested(request_id: int | None) -> Conflict:
    return Conflict(
        _("You already sent a request for this person in this round; change that one instead."),
        code="already_requested", extra={"request_id": request_id},
    )


def _own_request(actor: AbstractBaseUser, request_id: int) -> tuple[Household, VisitRequest]:
    """A request of the caregiver's own household; anyone else's is 'not found'."""
    household = household_of(actor)
    request = VisitRequest.objects.filter(pk=request_id, household=household).first()
    if request is None:
        raise NotFound(_("We could not find that request."))
    return household, request


def _check_pending(request: VisitRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise Conflict(
            _("This request is %(status)s now, so it cannot be changed.")
            % {"status": RequestStatus(request.status).label.lower()},
            code="wrong_status",
        )


def request_change(
    *, actor: AbstractBaseUser, request_id: int, visitor_ids: list[int], choices: list[int]
) -> VisitRequest:
    """Change who comes and the ranked sessions of a request, while the round is open.

    Raises NotPermitted, NotFound, InvalidInput, RuleViolation, Conflict (round closed,
    request withdrawn). Locks the round, then the household.
    """
    household, request = _own_request(actor, request_id)
    with transaction.atomic():
        rnd = _lock_open_round(request.round_id)
        lock_household(household.pk)
        request.refresh_from_db()
        _check_pending(request)
        resident = Resident.objects.get(pk=request.resident_id)
        sessions = _choices_for(rnd, resident, choices)
        visitors = _visitors_of(household, visitor_ids)
        _check_request(sessions, visitors, resident.pk)
        _write_choices(request, sessions)
        request.save()
        request.visitors.set(visitors)
    return request


def request_withdraw(*, actor: AbstractBaseUser, request_id: int) -> VisitRequest:
    """Take a request out of the draw, while the round is open.

    Raises NotPermitted, NotFound, Conflict (round closed, already withdrawn). Locks the
    round; the status changes only from pending (compare-and-swap).
    """
    _household, request = _own_request(actor, request_id)
    with transaction.atomic():
        _lock_open_round(request.round_id)
        changed = VisitRequest.objects.filter(
            pk=request.pk, status=RequestStatus.PENDING
        ).update(status=RequestStatus.WITHDRAWN, updated_at=now())
        request.refresh_from_db()
        if not changed:
            _check_pending(request)
    return request


# --- a rule back to first come ------------------------------------------------------------


ROUND_CANCELLED_TITLE = gettext_noop("No draw for these visits: places are first come")
ROUND_CANCELLED_BODY = gettext_noop(
    "The facility now gives out places for %(rule)s in the week of %(week)s first come, "
    "first served, so your request will not be drawn. Book a time on the visits page.")


def rounds_cancel_for_rule(*, rule_id: int) -> int:
    """A rule switched back to first come: each of its rounds still taking requests (or
    waiting for its draw) is cancelled, its requests with it, and every household that asked
    is told. Returns the rounds cancelled.

    Each round is its own transaction under the round's row lock, the lock the draw and
    every request take: a round is either drawn or cancelled, never both.
    """
    rule = VisitingRule.objects.filter(pk=rule_id).first()
    if rule is None or rule.allocation_mode != AllocationMode.FIRST_COME:
        return 0
    round_ids = list(RequestRound.objects.filter(rule=rule, status=RoundStatus.OPEN)
                     .values_list("pk", flat=True))
    return sum(_cancel_round(round_id, rule) for round_id in round_ids)


def _cancel_round(round_id: int, rule: VisitingRule) -> int:
    with transaction.atomic():
        rnd = (RequestRound.objects.select_for_update(of=("self",))
               .filter(pk=round_id, status=RoundStatus.OPEN).first())
        if rnd is None:
            return 0  # drawn (or cancelled) meanwhile
        RequestRound.objects.filter(pk=rnd.pk).update(status=RoundStatus.CANCELLED)
        asked = list(VisitRequest.objects.filter(round_id=round_id, status=RequestStatus.PENDING)
                     .select_related("household"))
        VisitRequest.objects.filter(pk__in=[r.pk for r in asked]).update(
            status=RequestStatus.CANCELLED, updated_at=now())
        _tell_households(rnd, rule, asked)
    return 1


def _tell_households(rnd: RequestRound, rule: VisitingRule, asked: list[VisitRequest]) -> None:
    """One notice per household that asked (a household asking for two people hears once)."""
    caregivers = sorted({r.household.caregiver_id for r in asked})
    if not caregivers:
        return
    languages = dict(Preference.objects.filter(user_id__in=caregivers)
                     .values_list("user_id", "language"))
    params = {"rule": rule.name, "week": rnd.week_start.isoformat()}
    notices_emit([
        Notice(user_id=pk, type="visits.round.cancelled", title=Text(ROUND_CANCELLED_TITLE),
               body=Text(ROUND_CANCELLED_BODY, params),
               data={"round_id": rnd.pk, "facility_id": rnd.facility_id})
        for pk in caregivers
    ], languages={pk: languages.get(pk) for pk in caregivers})
