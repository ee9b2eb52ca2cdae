"""The front door: send each person to the page of the work they do.

It lives in the project package because it is the one place that may know every app:
visits knows nothing of transport, so it cannot send a coordinator to the ride board.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from calls.selectors import station_of
from transport.access import is_coordinator, is_driver
from visits import views as visit_views
from visits.access import is_caregiver, is_liaison
from visits.models import Facility


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


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")


def contact(request: HttpRequest) -> HttpResponse:
    """Who to ask: the organisation, and each facility's visits office by its address."""
    return render(request, "pages/contact.html", {
        "email": settings.CONTACT_EMAIL, "phone": settings.CONTACT_PHONE,
        "facilities": Facility.objects.order_by("name").only("name", "address"),
    })
