"""The facility administrator's staff page: the liaisons, invitations by email, removal."""

from __future__ import annotations

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

from scheduler.errors import DomainError
from scheduler.http import run_action
from scheduler.invitations import send_invitation
from visits import services
from visits.models import Facility, Liaison, LiaisonInvitation


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
            send_invitation(email=form.cleaned_data["email"],
                            link=invitation_link(request, token), place=facility.name,
                            role=_("a liaison"))
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
