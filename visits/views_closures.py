"""The liaisons' closures page: close the facility (or some units) for days, after a
preview of the visits it cancels; every family is told by `closure_create`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scheduler.errors import InvalidInput
from visits import closure_selectors, services
from visits.access import facility_of_liaison
from visits.forms import ClosureForm
from visits.models import Facility

# Booked sessions listed in the preview; the counts above the list are always complete.
PREVIEW_ROWS = 20


@login_required
def closures(request: HttpRequest) -> HttpResponse:
    """GET: the form and the closures to come. POST step=preview: what it would cancel.
    POST step=confirm: close, cancel and tell every family (`closure_create`)."""
    facility = facility_of_liaison(request.user)
    today = timezone.now().astimezone(facility.tz).date()
    if request.method != "POST":
        return _page(request, ClosureForm(facility=facility, today=today), facility, today)
    form = ClosureForm(request.POST, facility=facility, today=today)
    if not form.is_valid():
        return _page(request, form, facility, today, status=400)
    data = form.cleaned_data
    try:
        services.closure_check(data["starts_on"], data["ends_on"], data["reason"],
                               reason_code=data["reason_code"])
        if request.POST.get("step") != "confirm":
            return _preview(request, form, facility, today)
        _closure, cancelled = services.closure_create(
            actor=request.user, starts_on=data["starts_on"], ends_on=data["ends_on"],
            reason_code=data["reason_code"], reason=data["reason"],
            unit_ids=form.unit_ids() or None)
    except InvalidInput as error:
        for name, problems in (error.fields or {"__all__": [error.message]}).items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return _page(request, form, facility, today, status=400)
    if not cancelled:
        messages.success(request, _("Closed. No visit was booked on those days."))
        return redirect("closures")
    messages.success(request, ngettext(
        "Closed. %(count)d visit was cancelled and its family told.",
        "Closed. %(count)d visits were cancelled and every family told.", cancelled)
        % {"count": cancelled})
    return redirect("closures")


def _preview(request: HttpRequest, form: ClosureForm, facility: Facility, today: Any
             ) -> HttpResponse:
    data = form.cleaned_data
    preview = closure_selectors.closure_preview(
        user=request.user, starts_on=data["starts_on"], ends_on=data["ends_on"],
        unit_ids=form.unit_ids())
    booked = sorted((s for s in [*preview.sessions, *preview.shared] if s.live_count),
                    key=lambda s: (s.starts_at, s.pk))
    return _page(request, form, facility, today, preview=preview,
                 booked=booked[:PREVIEW_ROWS])


def _page(request: HttpRequest, form: ClosureForm, facility: Facility, today: Any,
          status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "visits/closures.html", {
        "form": form, "facility": facility, "today": today,
        "closures": closure_selectors.closures_for_liaison(user=request.user, today=today),
        "chosen_units": {str(v) for v in (form["units"].value() or [])},
        **extra,
    }, status=status)
