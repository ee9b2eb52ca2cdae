"""Reads for the visiting rules page: a facility's rules, and what a change would do."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser

from visits.access import facility_of_liaison
from visits.calendar import Occurrence
from visits.models import LIVE_STATUSES, Session, VisitingRule
from visits.services.common import now
from visits.services.sessions import keeps_booked_session, wanted_occurrences

# Enough to check a rule at a glance on a phone: about two weeks of a weekend rule.
PREVIEW_SESSIONS = 6


@dataclass
class RulePreview:
    upcoming: list[Occurrence]  # the rule's next sessions (UTC; shown in the facility's zone)
    more: int  # how many more up to the horizon
    flagged: list[Session] = field(default_factory=list)  # booked sessions it no longer fits


def rules_for_liaison(*, user: AbstractBaseUser) -> list[VisitingRule]:
    """The liaison's facility's rules, running ones first. NotPermitted for anyone else."""
    facility = facility_of_liaison(user)
    return list(VisitingRule.objects.filter(facility=facility).select_related("unit", "facility")
                .order_by("-active", "name"))


def rule_preview(draft: VisitingRule) -> RulePreview:
    """What saving `draft` (a checked, unsaved rule) would do: its next sessions, and the
    booked sessions `rule_sync_sessions` would flag for review instead of moving."""
    wanted = wanted_occurrences(draft)
    return RulePreview(
        upcoming=wanted[:PREVIEW_SESSIONS],
        more=max(len(wanted) - PREVIEW_SESSIONS, 0),
        flagged=_flagged(draft, wanted) if draft.pk else [],
    )


def _flagged(draft: VisitingRule, wanted: list[Occurrence]) -> list[Session]:
    by_start = {o.starts_at: o for o in wanted}
    booked = (Session.objects.filter(rule_id=draft.pk, starts_at__gte=now(),
                                     bookings__status__in=LIVE_STATUSES)
              .select_related("facility", "unit").distinct().order_by("starts_at"))
    return [s for s in booked if not keeps_booked_session(draft, s, by_start.get(s.starts_at))]
