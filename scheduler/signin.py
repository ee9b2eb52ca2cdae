"""What a person sees when django-axes holds back sign-ins after too many wrong passwords."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from scheduler.errors import DomainError
from scheduler.phone_numbers import E164, normalise_number


class SignInLocked(DomainError):
    code = "throttled"
    status = 429


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any,
               **kwargs: Any) -> HttpResponse:
    """429 with Retry-After and a plain message, in the reader's language."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    error = SignInLocked(_(
        "Too many wrong passwords. For your safety, signing in is paused for %(minutes)d "
        "minutes. You can reset your password or try again later.") % {"minutes": minutes})
    response = render(request, "error.html", {"error": error}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


class CodesPaused(DomainError):
    code = "throttled"
    status = 429


def codes_paused() -> CodesPaused:
    """allauth's limit on codes sent to one number or address (one each 30 seconds; a few
    a minute from one network): what the page says instead of an error."""
    return CodesPaused(_("A code was just sent. Please wait a minute before asking for "
                         "another one, then try again."))


def username_tried(request: HttpRequest, credentials: Any = None) -> str | None:
    """What django-axes counts wrong passwords against: the user name, email address or
    mobile number typed into allauth's "login" field (or the API's and admin's
    "username"), lower-cased, so "Rosa" and "rosa" share one count."""
    typed = None
    if credentials:
        typed = credentials.get("username") or credentials.get("email")
    if not typed and request is not None:
        typed = request.POST.get("login") or request.POST.get("username")
    if not typed:
        return None
    # A mobile number counts as one however it is written ("(555) 123-4567", "+1555..."):
    # otherwise each spelling would get its own ten tries.
    number = normalise_number(typed)
    return number if re.fullmatch(E164, number) else typed.strip().lower()
