"""A caregiver's household page: the people in her care, added, corrected and removed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from scheduler.errors import DomainError, NotFound
from scheduler.http import show_error
from visits import services
from visits.access import household_of
from visits.models import Visitor
from visits.rules import age_on, is_child_age


class DateInput(forms.DateInput):
    """The phone's own date picker. It reads only ISO dates ("2011-02-14"): a date written
    the reader's way ("14/02/2011" in Spanish) would show an empty field."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%d")


class PersonForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=gettext_lazy("Date of birth"), widget=DateInput)


def _save_person(request: HttpRequest, form: PersonForm, visitor_id: int | None) -> bool:
    """Run the service; a refusal lands next to its field. True when saved."""
    if not form.is_valid():
        return False
    try:
        if visitor_id is None:
            services.visitor_add(actor=request.user, **form.cleaned_data)
        else:
            services.visitor_update(actor=request.user, visitor_id=visitor_id,
                                    **form.cleaned_data)
    except DomainError as error:
        for field, problems in error.fields.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        if not error.fields:
            form.add_error(None, error.message)
        return False
    return True


def people_with_ages(visitors: list[Visitor]) -> list[Visitor]:
    """Mark each person a child or an adult today, as the facility will count them."""
    today = timezone.localdate()
    for visitor in visitors:
        visitor.age = age_on(visitor.date_of_birth, today)
        visitor.child = is_child_age(visitor.age)
    return visitors


@login_required
def household(request: HttpRequest) -> HttpResponse:
    """Her people, and a form to add one (a child or another adult)."""
    home = household_of(request.user)
    form = PersonForm(request.POST or None, prefix="new")
    if request.method == "POST" and _save_person(request, form, None):
        messages.success(request, _("%(name)s is added to your household.")
                         % {"name": form.cleaned_data["first_name"].strip()})
        return redirect("household")
    people = people_with_ages(list(home.visitors.order_by("-is_caregiver", "date_of_birth")))
    return render(request, "visits/household.html", {
        "household": home, "people": people, "form": form,
    }, status=400 if form.errors else 200)


def _own_visitor(request: HttpRequest, visitor_id: int) -> Visitor:
    visitor = Visitor.objects.filter(pk=visitor_id, household=household_of(request.user)).first()
    if visitor is None:
        raise NotFound(_("We could not find that person."))
    return visitor


@login_required
def person_edit(request: HttpRequest, visitor_id: int) -> HttpResponse:
    """Correct a name or a date of birth."""
    visitor = _own_visitor(request, visitor_id)
    initial = {"first_name": visitor.first_name, "last_name": visitor.last_name,
               "date_of_birth": visitor.date_of_birth}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and _save_person(request, form, visitor.pk):
        messages.success(request, _("Saved."))
        return redirect("household")
    return render(request, "visits/person_edit.html", {"visitor": visitor, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def person_remove(request: HttpRequest, visitor_id: int) -> HttpResponse:
    visitor = _own_visitor(request, visitor_id)  # someone else's: 403 / 404, not a message
    try:
        services.visitor_remove(actor=request.user, visitor_id=visitor.pk)
    except DomainError as error:
        show_error(request, error)
        return redirect("person-edit", visitor_id=visitor_id)
    messages.success(request, _("%(name)s is removed from your household.")
                     % {"name": visitor.first_name})
    return redirect("household")
