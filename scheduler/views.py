"""The front door: send each person to the page of the work they do.

It lives in the project package because it is the one place that may know every app:
visits knows nothing of transport, so it cannot send a coordinator to the ride board.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from calls.selectors import station_of
from transport.access import is_coordinator, is_driver
from visits import views as visit_views
from visits.access import is_caregiver, is_liaison


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_authenticated and not is_caregiver(user) and not is_liaison(user):
        if is_coordinator(user):
            return redirect("ride-board")
        if is_driver(user):
            return redirect("ride-driver")
        if station_of(user) is not None:
            return redirect("station")
    return visit_views.home(request)
