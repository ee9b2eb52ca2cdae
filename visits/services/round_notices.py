"""Tell each household of a drawn round what it got, after the draw has committed.

The draw holds the households', residents' and sessions' locks; writing thousands of events
and deliveries under them made every booking for those families wait. So the draw only
asks for this job on commit, and `rounds_tell_due` (run by `run_periodic`) is the safety
net for a job lost between commit and enqueue (a process killed, the queue down).

Exactly once: the job locks the round row, tells only while `families_told_at` is empty and
sets it in the same transaction as the events; a second run, or two workers at once, finds
it set and sends nothing. Each request keeps its drawn outcome (only pending requests ever
change status), so the words are those the draw would have written itself.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_noop

from notifications.models import Preference
from notifications.services import Notice, notices_emit
from notifications.text import Text, moment
from scheduler.batches import cyclic_gc_paused
from visits.models import Household, Session
from visits.round_models import RequestRound, RequestStatus, RoundStatus, VisitRequest
from visits.services.common import now

logger = logging.getLogger(__name__)

DRAWN_STATUSES = (RequestStatus.GRANTED, RequestStatus.WAITLISTED, RequestStatus.NOT_GRANTED)

OUTCOME_TITLES = {
    RequestStatus.GRANTED: gettext_noop("Good news: you have a visit"),
    RequestStatus.WAITLISTED: gettext_noop("No place this time: you are on the waiting list"),
    RequestStatus.NOT_GRANTED: gettext_noop("No place this time"),
}


def round_tell_families_on_commit(round_id: int) -> None:
    """Ask for the job once the draw has committed (a rolled-back draw tells nobody)."""
    transaction.on_commit(lambda: _enqueue_tell(round_id))


def _enqueue_tell(round_id: int) -> None:
    from visits.tasks import tell_round_families  # the tasks module imports the services

    try:
        tell_round_families.enqueue(round_id=round_id)
    except Exception:  # the draw is committed; the sweep tells the families instead
        logger.exception("could not enqueue telling the families of round %s", round_id)


def round_tell_families(*, round_id: int) -> int:
    """Tell every household of a drawn round its outcome, unless already told; returns how
    many were told now. Locks the round row (a second worker waits, then finds it told).
    Ten thousand events and deliveries at once: the cyclic collector waits (see there)."""
    with cyclic_gc_paused(), transaction.atomic():
        rnd = RequestRound.objects.select_for_update().filter(
            pk=round_id, status=RoundStatus.ALLOCATED, families_told_at__isnull=True).first()
        if rnd is None:
            return 0
        requests = list(
            VisitRequest.objects.filter(round=rnd, status__in=DRAWN_STATUSES)
            .select_related("household", "resident").order_by("id"))
        sessions = {s.pk: s for s in Session.objects.filter(request_rounds=rnd)
                    .select_related("facility")}
        notices_emit([_outcome_notice(r, sessions) for r in requests],
                     languages=_caregiver_languages(rnd, requests))
        RequestRound.objects.filter(pk=rnd.pk).update(families_told_at=now())
    return len(requests)


def rounds_tell_due() -> int:
    """Tell the families of every drawn round not told yet (its job was lost); returns how
    many rounds were told."""
    due = RequestRound.objects.filter(status=RoundStatus.ALLOCATED, families_told_at__isnull=True)
    told = 0
    for round_id in due.order_by("allocated_at", "id").values_list("pk", flat=True):
        try:
            round_tell_families(round_id=round_id)
            told += 1
        except Exception:  # one round that fails (rolled back whole) must not hold up others
            logger.exception("telling the families of round %s failed; retried next run",
                             round_id)
    return told


def _outcome_body(request: VisitRequest, session: Session | None) -> Text:
    if request.status == RequestStatus.GRANTED and session is not None:
        when = moment(session.starts_at, session.facility.time_zone)
        return Text(gettext_noop(
            "%(when)s (facility time). The facility will confirm your visit."), {"when": when})
    if request.status == RequestStatus.WAITLISTED:
        return Text(gettext_noop(
            "If a place opens up, you will see it on “My visits”. Losing this draw gives "
            "you a better chance in the next one."))
    return Text(gettext_noop("Losing this draw gives you a better chance in the next one."))


def _caregiver_languages(
    rnd: RequestRound, requests: list[VisitRequest]
) -> dict[int, str | None]:
    """Each caregiver's chosen language (None: the site's), in one query for the round."""
    caregivers = {r.household.caregiver_id for r in requests}
    round_caregivers = Household.objects.filter(visit_requests__round=rnd).values("caregiver_id")
    chosen = dict(Preference.objects.filter(user_id__in=round_caregivers)
                  .values_list("user_id", "language"))
    return {pk: chosen.get(pk) for pk in caregivers}


def _outcome_notice(request: VisitRequest, sessions: dict[int, Session]) -> Notice:
    """What the household hears (inbox, live, and email/SMS as it prefers).
    No prison ID and no visitor names: only what the family's own page shows."""
    shown = request.granted_session_id or next(iter(request.choice_ids), None)
    session = sessions.get(shown) if shown else None
    return Notice(
        user_id=request.household.caregiver_id,
        type=f"visits.request.{request.status}",
        title=Text(OUTCOME_TITLES[request.status]),
        body=_outcome_body(request, session),
        data={
            "request_id": request.pk, "round_id": request.round_id, "status": request.status,
            "facility_id": session.facility_id if session else None,
            "session_id": request.granted_session_id, "booking_id": request.booking_id,
            "starts_at": session.starts_at.isoformat() if session else None,
            "resident_first_name": request.resident.first_name,
            "waitlisted_on": request.explanation.get("waitlisted_on", []),
        },
    )
