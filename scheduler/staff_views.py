"""The page a staff invitation links to: the invitee creates her account there (or, signed
in already, accepts with her account) and lands on her page with her role.

It lives in the project package because one link serves both apps' invitations: a liaison's
(visits) and a coordinator's or driver's (transport). The link proves the email address, so
the account needs no emailed code; it signs in by that address (allauth) from then on.
"""

from __future__ import annotations

import re
from typing import Any

from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth import get_user_model, login, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduler.invitations import Invitation, check_open
from transport import staff as transport_staff
from transport.models import StaffInvitation, StaffRole
from visits import services as visits_services

LANDING = {"liaison": "roster", StaffRole.COORDINATOR: "ride-board",
           StaffRole.DRIVER: "driver-availability"}


class StaffSignupForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("Your first name"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Your last name"), max_length=100)
    password1 = forms.CharField(label=gettext_lazy("Choose a password"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("The same password again"),
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


def _find(token: str) -> tuple[Invitation | None, str]:
    """The invitation behind a link, and the role it gives ("liaison", "coordinator", ...)."""
    invitation = visits_services.liaison_invitation_find(token)
    if invitation is not None:
        return invitation, "liaison"
    staff = transport_staff.staff_invitation_find(token)
    return staff, (staff.role if staff else "")


def _place(invitation: Invitation) -> str:
    if isinstance(invitation, StaffInvitation):
        return invitation.program.name
    return invitation.facility.name  # type: ignore[attr-defined]


def _role_text(role: str) -> str:
    return {"liaison": _("a liaison"), StaffRole.COORDINATOR: _("a transport coordinator"),
            StaffRole.DRIVER: _("a volunteer driver")}[role]


def _accept(user: AbstractBaseUser, token: str, role: str) -> None:
    if role == "liaison":
        visits_services.liaison_invitation_accept(user=user, token=token)
    else:
        transport_staff.staff_invitation_accept(user=user, token=token)


def _unique_username(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower())[:24] or "staff"
    users, name, n = get_user_model().objects, base, 1
    while users.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}{n}"
    return name


def _create_account(email: str, data: dict[str, Any]) -> AbstractBaseUser:
    user = get_user_model().objects.create_user(
        username=_unique_username(email), email=email, password=data["password1"],
        first_name=data["first_name"].strip(), last_name=data["last_name"].strip())
    # The link reached this address: it counts as verified, so she signs in by it at once.
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET: who invites her to what. POST: accept (signed in) or create the account."""
    found, role = _find(token)
    check_open(found)  # unknown, used, withdrawn or expired: a page that says which
    assert found is not None
    signed_in = request.user.is_authenticated
    form = StaffSignupForm(request.POST or None) if not signed_in else None
    taken = not signed_in and get_user_model().objects.filter(
        email__iexact=found.email).exists()
    if request.method == "POST" and not taken and (signed_in or form.is_valid()):
        with transaction.atomic():  # no account is left behind if the link is refused
            user = request.user if signed_in else _create_account(found.email, form.cleaned_data)
            _accept(user, token, role)
        if not signed_in:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(LANDING[role])
    return render(request, "staff/invitation.html", {
        "invitation": found, "place": _place(found), "role": _role_text(role), "form": form,
        "taken": taken, "next": request.path,
    }, status=400 if form is not None and form.errors else 200)
