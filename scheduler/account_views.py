"""The "My data" page: her download, and deleting her account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scheduler.privacy import account_delete, account_export_zip, sessions_end_all
from visits.access import household_of


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    household_of(request.user)  # a caregiver's page: 403 for staff accounts
    return render(request, "account/my_data.html", {"error": ""})


@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    household_of(request.user)
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = HttpResponse(account_export_zip(request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="my-family-visits-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def my_account_delete(request: HttpRequest) -> HttpResponse:
    """Deleting is for good: she types her password again, so a phone left signed in on a
    table cannot be emptied by someone else."""
    household_of(request.user)
    if not request.user.check_password(request.POST.get("password", "")):
        return render(request, "account/my_data.html", {
            "error": _("That password is not right. Your account is not deleted.")}, status=400)
    account_delete(user=request.user)
    logout(request)
    messages.success(request, _("Your account is deleted. We hope to see you again."))
    return redirect("login")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """A lost phone, a shared computer: every device she signed in on is signed out, this
    one too, and her API tokens stop working."""
    sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, _("You are signed out on every device. Sign in again here."))
    return redirect("login")
