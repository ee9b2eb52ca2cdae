"""Visiting rules: create, change, pause, resume and end, from the rules page or the admin.

Every path saves through `rule_save`, so a rule is always checked the same way and its
sessions and request rounds follow it in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from scheduler.errors import Conflict, InvalidInput, NotFound
from visits.access import facility_of_liaison
from visits.calendar import local_date
from visits.models import VisitingRule
from visits.services.common import now
from visits.services.rounds import rounds_cancel_for_rule, rounds_open_due
from visits.services.sessions import rule_sync_sessions

# What a liaison may set on a rule from the page; the facility always comes from her account.
EDITABLE_FIELDS = (
    "name", "unit", "kind", "rrule", "starts_on", "ends_on", "duration_minutes", "capacity",
    "max_adults", "max_children", "max_visitors", "opens_days_before", "closes_hours_before",
    "cancel_hours_before", "weekly_quota", "monthly_quota", "join_instructions",
    "name_es", "join_instructions_es",
    "allocation_mode", "round_opens_days_before", "round_closes_days_before",
)


@dataclass(frozen=True)
class RuleSaved:
    rule: VisitingRule
    counts: dict[str, int]  # sessions created, updated, removed, flagged, unchanged


def rule_check(rule: VisitingRule) -> None:
    """Raise InvalidInput, naming each field's problem, unless the rule holds together."""
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise InvalidInput(fields=exc.message_dict) from exc


def rule_save(*, rule: VisitingRule) -> RuleSaved:
    """Check and save a rule, then bring its future sessions and rounds in step with it.

    The admin and the liaisons' page both call this. Raises InvalidInput (with each field's
    problem) when the rule does not hold together. Locks the rule's future sessions while
    they are reconciled (`rule_sync_sessions`).
    """
    rule_check(rule)
    with transaction.atomic():
        rule.save()
        counts = rule_sync_sessions(rule=rule)
        rounds_open_due(rule_id=rule.pk)  # a rule switched to rounds gets its rounds now
    # ...and one switched back to first come loses its open rounds (each round in its own
    # transaction, under the lock the draw takes), every family that asked told.
    rounds_cancel_for_rule(rule_id=rule.pk)
    return RuleSaved(rule=rule, counts=counts)


def rule_of_facility(actor: AbstractBaseUser, rule_id: int) -> VisitingRule:
    """A rule of the liaison's own facility; another facility's rule is 'not found'."""
    facility = facility_of_liaison(actor)
    rule = VisitingRule.objects.select_related("facility", "unit").filter(
        pk=rule_id, facility=facility).first()
    if rule is None:
        raise NotFound(_("We could not find that visiting rule."))
    return rule


def rule_draft(
    *, actor: AbstractBaseUser, rule_id: int | None, values: dict[str, Any]
) -> VisitingRule:
    """The rule as it would be with `values`, not saved: for the preview and for saving.
    Raises NotPermitted (not a liaison), NotFound (another facility's rule), InvalidInput
    (a unit of another facility)."""
    if rule_id is None:
        rule = VisitingRule(facility=facility_of_liaison(actor))
    else:
        rule = rule_of_facility(actor, rule_id)
    unit = values.get("unit")
    if unit is not None and unit.facility_id != rule.facility_id:
        raise InvalidInput(fields={"unit": [_("This unit belongs to another facility.")]})
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(rule, name, values[name])
    return rule


def rule_save_for_liaison(
    *, actor: AbstractBaseUser, rule_id: int | None, values: dict[str, Any]
) -> RuleSaved:
    """Create (rule_id None) or change a rule of the liaison's facility.
    Raises NotPermitted, NotFound, InvalidInput."""
    return rule_save(rule=rule_draft(actor=actor, rule_id=rule_id, values=values))


def rule_set_active(*, actor: AbstractBaseUser, rule_id: int, active: bool) -> RuleSaved:
    """Pause a rule (its unbooked future sessions go; booked ones stay, flagged for review)
    or take it up again. Raises NotPermitted, NotFound, Conflict (already so)."""
    rule = rule_of_facility(actor, rule_id)
    if rule.active == active:
        raise Conflict(_("This rule is already running.") if active
                       else _("This rule is already paused."))
    rule.active = active
    return rule_save(rule=rule)


def rule_end(*, actor: AbstractBaseUser, rule_id: int, last_day: dt.date) -> RuleSaved:
    """End a rule after `last_day` (the facility's date): no sessions after it; booked ones
    stay, flagged for review. Raises NotPermitted, NotFound, InvalidInput (a day passed)."""
    rule = rule_of_facility(actor, rule_id)
    if last_day < local_date(now(), rule.facility.time_zone):
        raise InvalidInput(fields={"ends_on": [_("The last day cannot be in the past.")]})
    rule.ends_on = last_day
    return rule_save(rule=rule)

