"""Reads of request rounds. Each takes the acting user and applies what she may see:
a caregiver her own household's requests (and public counts), a liaison her facility."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from scheduler.errors import NotFound, NotPermitted
from visits.access import facility_of_liaison, household_of, is_liaison
from visits.models import Resident, Session
from visits.round_models import RequestRound, RequestStatus, RoundStatus, VisitRequest
from visits.selectors import residents_for_household
from visits.services.common import now


@dataclass(frozen=True)
class Chance:
    """Demand for one session of a round: public counts, no names."""

    session: Session
    places: int
    requests: int  # live requests that list this session at any rank
    first_choices: int  # ... as their first choice

    @property
    def per_place(self) -> float | None:
        """Requests per place (None when no place is left at all)."""
        return round(self.requests / self.places, 1) if self.places else None


# Where an open round is in its life, for the pages that word its status: "open" in the
# database is also a round whose requests have not started, or whose draw is still to come.
PHASE_UPCOMING = "upcoming"  # open, but requests start at `opens_at`, still ahead
PHASE_ACCEPTING = "accepting"  # taking requests now, until `deadline`
PHASE_AWAITING_DRAW = "awaiting_draw"  # the deadline passed; the draw has not run yet
PHASE_SETTLED = "settled"  # drawn or cancelled: its status says it all


def round_phase(rnd: RequestRound, *, moment: dt.datetime) -> str:
    if rnd.status != RoundStatus.OPEN:
        return PHASE_SETTLED
    if moment < rnd.opens_at:
        return PHASE_UPCOMING
    return PHASE_ACCEPTING if moment < rnd.deadline else PHASE_AWAITING_DRAW


def with_phases(rounds: list[RequestRound]) -> list[RequestRound]:
    """The rounds, each with `phase` (see `round_phase`) at this moment."""
    moment = now()
    for rnd in rounds:
        rnd.phase = round_phase(rnd, moment=moment)
    return rounds


def _serves(resident: Resident) -> Q:
    return Q(sessions__facility_id=resident.facility_id) & (
        Q(sessions__unit__isnull=True) | Q(sessions__unit_id=resident.unit_id)
    )


def rounds_open_for_resident(
    *, user: AbstractBaseUser, resident_id: int, accepting_only: bool = True
) -> list[RequestRound]:
    """Rounds taking requests now (or, with `accepting_only=False`, also those that will
    soon) that hold sessions where this resident can be visited."""
    resident = residents_for_household(user=user).filter(pk=resident_id).first()
    if resident is None:
        return []
    moment = now()
    rounds = RequestRound.objects.filter(status=RoundStatus.OPEN, deadline__gt=moment)
    if accepting_only:
        rounds = rounds.filter(opens_at__lte=moment)
    return list(
        rounds.filter(_serves(resident)).select_related("facility", "rule").distinct()
        .order_by("deadline", "id")
    )


def round_sessions_for_resident(rnd: RequestRound, resident: Resident) -> list[Session]:
    sessions = rnd.sessions.filter(Q(unit__isnull=True) | Q(unit_id=resident.unit_id))
    if resident.unit_id:  # not the days her unit is closed
        sessions = sessions.exclude(closed_units=resident.unit_id)
    return list(sessions.select_related("facility", "rule").order_by("starts_at", "id"))


def chances(rnd: RequestRound) -> dict[int, Chance]:
    """Requests per place for each session of the round (counts only)."""
    listed: Counter[int] = Counter()
    firsts: Counter[int] = Counter()
    live = VisitRequest.objects.filter(round=rnd, status=RequestStatus.PENDING)
    for first, second, third in live.values_list(
        "first_choice_id", "second_choice_id", "third_choice_id"
    ):
        firsts[first] += 1
        listed.update(pk for pk in (first, second, third) if pk)
    sessions = rnd.sessions.select_related("facility").order_by("starts_at", "id")
    return {
        s.pk: Chance(session=s, places=s.remaining, requests=listed[s.pk],
                     first_choices=firsts[s.pk])
        for s in sessions
    }


def round_chances(*, user: AbstractBaseUser, round_id: int) -> tuple[RequestRound, dict]:
    """A round's demand, for a caregiver who may send a request in it or the facility's
    liaison; NotFound for anyone else (the round's existence is not theirs to learn)."""
    rnd = RequestRound.objects.select_related("facility", "rule").filter(pk=round_id).first()
    if rnd is None or not _may_see_round(user, rnd):
        raise NotFound(_("We could not find that request round."))
    return rnd, chances(rnd)


def _may_see_round(user: AbstractBaseUser, rnd: RequestRound) -> bool:
    if is_liaison(user):
        return facility_of_liaison(user).pk == rnd.facility_id
    residents = residents_for_household(user=user).filter(facility_id=rnd.facility_id)
    return residents.exists()


def requests_for_household(
    *, user: AbstractBaseUser, include_withdrawn: bool = False
) -> QuerySet[VisitRequest]:
    household = household_of(user)
    qs = VisitRequest.objects.filter(household=household)
    if not include_withdrawn:
        qs = qs.exclude(status=RequestStatus.WITHDRAWN)
    return _with_details(qs).order_by("-round__deadline", "-id")


def request_of_household(*, user: AbstractBaseUser, request_id: int) -> VisitRequest:
    household = household_of(user)
    request = _with_details(VisitRequest.objects.filter(pk=request_id, household=household))
    found = request.first()
    if found is None:
        raise NotFound(_("We could not find that request."))
    return found


def _with_details(qs: QuerySet[VisitRequest]) -> QuerySet[VisitRequest]:
    return qs.select_related(
        "round__facility", "round__rule", "resident", "household", "first_choice",
        "second_choice", "third_choice", "granted_session", "booking",
    ).prefetch_related("visitors")


def rounds_for_facility(*, user: AbstractBaseUser) -> QuerySet[RequestRound]:
    """The liaison's facility's rounds, latest deadline first, with request counts."""
    facility = facility_of_liaison(user)
    return (
        RequestRound.objects.filter(facility=facility).select_related("rule", "facility")
        .prefetch_related("sessions").order_by("-deadline", "-id")
    )


def round_for_liaison(*, user: AbstractBaseUser, round_id: int,
                      with_requests: bool = True) -> RequestRound:
    """One round of the liaison's facility with its requests (in draw order once drawn;
    `with_requests=False` leaves them to `round_requests`, for a page of them).
    NotPermitted for a non-liaison, NotFound for another facility's round."""
    if not is_liaison(user):
        raise NotPermitted(_("Only facility staff can do this."))
    facility = facility_of_liaison(user)
    rnd = (
        RequestRound.objects.filter(pk=round_id, facility=facility)
        .select_related("facility", "rule").first()
    )
    if rnd is None:
        raise NotFound(_("We could not find that request round."))
    if with_requests:
        rnd.all_requests = list(round_requests(rnd))
    return rnd


def round_requests(rnd: RequestRound) -> QuerySet[VisitRequest]:
    """A round's requests (the caller checked the reader may see it), in draw order."""
    return (_with_details(VisitRequest.objects.filter(round=rnd))
            .order_by(F("position").asc(nulls_last=True), "id"))


def round_session_ids(rounds: list[RequestRound]) -> set[int]:
    """Ids of the sessions these rounds give out (for pages that link to the request form)."""
    through = RequestRound.sessions.through
    return set(through.objects.filter(requestround_id__in=[r.pk for r in rounds])
               .values_list("session_id", flat=True))
