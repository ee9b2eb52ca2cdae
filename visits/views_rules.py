"""The liaisons' visiting rules page: list, create, change (with a preview), pause, end.

Views only translate HTTP: the form parses, `visits.services.rules` checks and saves (the
same service the admin uses), `visits.rule_selectors` says what a change would do.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from scheduler.errors import InvalidInput
from scheduler.http import run_action
from scheduler.inputs import parse_day
from visits import rule_selectors, services
from visits.access import facility_of_liaison
from visits.forms import RuleForm, add_service_errors, initial_for
from visits.models import Facility, VisitingRule
from visits.recurrence import from_rrule, in_words
from visits.services.rules import RuleSaved, rule_of_facility


def _today(facility: Facility):
    return timezone.now().astimezone(facility.tz).date()


def _describe(rule: VisitingRule) -> str:
    recurrence = from_rrule(rule.rrule)
    if recurrence is None:
        return _("Days and times set by the administrator in a form this page cannot show.")
    return in_words(recurrence, rule.duration_minutes)


@login_required
def rules_list(request: HttpRequest) -> HttpResponse:
    facility = facility_of_liaison(request.user)
    today = _today(facility)
    rules = rule_selectors.rules_for_liaison(user=request.user)
    for rule in rules:
        rule.in_words = _describe(rule)
        rule.ended = bool(rule.ends_on and rule.ends_on < today)
    return render(request, "visits/rules.html", {
        "facility": facility, "rules": rules, "today": today,
    })


@login_required
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    """GET: the form. POST step=preview: the next sessions and the flagged ones. POST
    step=save: save through `rule_save`, then back to the list."""
    facility = facility_of_liaison(request.user)
    rule = rule_of_facility(request.user, rule_id) if rule_id else None
    if request.method != "POST":
        form = RuleForm(initial=_initial(rule, facility), facility=facility)
        return _render_form(request, form, facility, rule)
    form = RuleForm(request.POST, facility=facility)
    if not form.is_valid():
        return _render_form(request, form, facility, rule, status=400)
    try:
        if request.POST.get("step") == "save":
            saved = services.rule_save_for_liaison(actor=request.user, rule_id=rule_id,
                                                   values=form.values())
            _say_saved(request, saved)
            return redirect("rules")
        draft = services.rule_draft(actor=request.user, rule_id=rule_id, values=form.values())
        services.rule_check(draft)
    except InvalidInput as error:
        add_service_errors(form, error.fields or {"__all__": [error.message]})
        return _render_form(request, form, facility, rule, status=400)
    return _render_form(request, form, facility, rule, preview=rule_selectors.rule_preview(draft),
                        words=in_words(form.recurrence(), form.cleaned_data["duration_minutes"]))


def _initial(rule: VisitingRule | None, facility: Facility) -> dict[str, Any]:
    if rule is None:
        rule = VisitingRule(facility=facility, kind="in_person", starts_on=_today(facility),
                            duration_minutes=120, capacity=10)
    return initial_for(rule)


def _render_form(request: HttpRequest, form: RuleForm, facility: Facility,
                 rule: VisitingRule | None, status: int = 200, **extra: Any) -> HttpResponse:
    times = list(form["times"].value() or [])
    return render(request, "visits/rule_form.html", {
        "form": form, "facility": facility, "rule": rule,
        "time_boxes": (times + [""] * 4)[:4],
        "custom_pattern": bool(rule and from_rrule(rule.rrule) is None),
        **extra,
    }, status=status)


def _say_saved(request: HttpRequest, saved: RuleSaved) -> None:
    messages.success(request, _("The rule “%(name)s” is saved.") % {"name": saved.rule.name})
    if saved.counts.get("flagged"):
        count = saved.counts["flagged"]
        messages.warning(request, ngettext(
            "%(count)d booked session no longer fits the rule. It is kept and marked "
            "“Rule changed: check this session” on the roster.",
            "%(count)d booked sessions no longer fit the rule. They are kept and marked "
            "“Rule changed: check this session” on the roster.", count) % {"count": count})


@require_POST
@login_required
def rule_pause(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule_of_facility(request.user, rule_id)  # 403 / 404 before anything, not a message
    return run_action(
        request, lambda: services.rule_set_active(actor=request.user, rule_id=rule_id,
                                                  active=False),
        _("The rule is paused: no new sessions. Booked visits stay; check them on the roster."),
        reverse("rules"))


@require_POST
@login_required
def rule_resume(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule_of_facility(request.user, rule_id)  # 403 / 404 before anything, not a message
    return run_action(
        request, lambda: services.rule_set_active(actor=request.user, rule_id=rule_id,
                                                  active=True),
        _("The rule is running again."), reverse("rules"))


@require_POST
@login_required
def rule_end(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule_of_facility(request.user, rule_id)  # 403 / 404 before anything, not a message
    last_day = parse_day(request.POST.get("ends_on", ""))

    def end() -> None:
        if last_day is None:
            raise InvalidInput(_("Choose the last day of this rule."))
        services.rule_end(actor=request.user, rule_id=rule_id, last_day=last_day)

    return run_action(request, end, _("The rule ends on the day you chose."), reverse("rules"))
