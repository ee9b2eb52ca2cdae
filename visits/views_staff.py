"""The facility administrator's staff page: the liaisons, invitations by email, removal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from scheduler.errors import DomainError, InvalidInput
from scheduler.http import run_action
from scheduler.inputs import parse_id
from scheduler.invitations import send_invitation
from visits import services
from visits.access import facility_of_liaison
from visits.models import Facility, HousingUnit, Liaison, LiaisonInvitation, Resident


class LiaisonInviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address of the new liaison"),
                             max_length=254)
    as_admin = forms.BooleanField(
        label=gettext_lazy("Also a facility administrator (may invite and remove liaisons)"),
        required=False)


def invitation_link(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("staff-invitation", args=[token]))


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    """GET: liaisons and open invitations. POST: invite one more by email."""
    facility = services.facility_of_admin(request.user)
    form = LiaisonInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _invitation, token = services.liaison_invite(
                actor=request.user, email=form.cleaned_data["email"],
                as_admin=form.cleaned_data["as_admin"])
        except DomainError as error:
            for name, problems in (error.fields or {"email": [error.message]}).items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            sent = send_invitation(email=form.cleaned_data["email"],
                            link=invitation_link(request, token), place=facility.name,
                            role=_("a liaison"))
            if not sent:
                messages.error(request, _("The invitation could not be emailed just now. "
                                          "Try again in a few minutes."))
                return redirect(request.path)
            messages.success(request, _("Invitation sent to %(email)s. The link works once, "
                                        "for a limited time.") % form.cleaned_data)
            return redirect("facility-staff")
    return _page(request, facility, form, status=400 if form.errors else 200)


def _page(request: HttpRequest, facility: Facility, form: LiaisonInviteForm,
          status: int = 200) -> HttpResponse:
    return render(request, "visits/staff.html", {
        "facility": facility, "form": form,
        "liaisons": Liaison.objects.filter(facility=facility).select_related("user")
        .order_by("user__first_name", "user__username"),
        "invitations": LiaisonInvitation.objects.filter(
            facility=facility, accepted_at=None, cancelled_at=None,
            expires_at__gt=timezone.now()),
    }, status=status)


@require_POST
@login_required
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return run_action(request, lambda: services.liaison_invitation_cancel(
        actor=request.user, invitation_id=invitation_id),
        _("The invitation is withdrawn; its link no longer works."), reverse("facility-staff"))


@require_POST
@login_required
def liaison_remove(request: HttpRequest, liaison_id: int) -> HttpResponse:
    return run_action(request, lambda: services.liaison_remove(
        actor=request.user, liaison_id=liaison_id),
        _("Removed. This person no longer sees the facility's roster."),
        reverse("facility-staff"))


# --- residents and units ------------------------------------------------------------------


class ResidentForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100)
    prison_id = forms.CharField(label=gettext_lazy("ID number"), max_length=40)
    unit = forms.TypedChoiceField(label=gettext_lazy("Housing unit"), required=False,
                                  coerce=int, empty_value=None)

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("No unit"))] + [
            (u.pk, u.name) for u in HousingUnit.objects.filter(facility=facility)]


class UnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the new unit"), max_length=100)


@login_required
def residents(request: HttpRequest) -> HttpResponse:
    """The people held here (families apply to visit them) and the units. POST adds one
    resident, or (`unit_form`) a unit."""
    facility = facility_of_liaison(request.user)
    posted = request.POST if request.method == "POST" else None
    adding_unit = bool(posted and "unit_form" in posted)
    form = ResidentForm(None if adding_unit else posted, facility=facility)
    unit_form = UnitForm(posted if adding_unit else None)
    if posted is not None and _save_resident_page(request, form, unit_form, adding_unit):
        return redirect("facility-residents")
    return render(request, "visits/residents_admin.html", {
        "facility": facility, "form": form, "unit_form": unit_form,
        "residents": Resident.objects.filter(facility=facility).select_related("unit"),
        "units": HousingUnit.objects.filter(facility=facility),
        "is_admin": Liaison.objects.filter(user_id=request.user.pk, is_admin=True).exists(),
    }, status=400 if form.errors or unit_form.errors else 200)


def _save_resident_page(request: HttpRequest, form: ResidentForm, unit_form: UnitForm,
                        adding_unit: bool) -> bool:
    target = unit_form if adding_unit else form
    if not target.is_valid():
        return False
    try:
        if adding_unit:
            services.unit_add(actor=request.user, name=unit_form.cleaned_data["name"])
        else:
            data = form.cleaned_data
            services.resident_add(actor=request.user, first_name=data["first_name"],
                                  last_name=data["last_name"], prison_id=data["prison_id"],
                                  unit_id=data["unit"])
    except DomainError as error:
        for name, problems in (error.fields or {"__all__": [error.message]}).items():
            for problem in problems:
                target.add_error(name if name in target.fields else None, problem)
        return False
    messages.success(request, _("Added."))
    return True


@require_POST
@login_required
def resident_move(request: HttpRequest, resident_id: int) -> HttpResponse:
    raw = request.POST.get("unit", "")
    unit_id = parse_id(raw)

    def move() -> None:
        if raw and unit_id is None:
            raise InvalidInput(_("Choose a unit of your own facility."))
        services.resident_move(actor=request.user, resident_id=resident_id, unit_id=unit_id)

    return run_action(request, move, _("Saved."), reverse("facility-residents"))
