"""Calendar endpoints: the secret feeds, one visit's .ics, and resetting a feed's address.

Kept apart from the pages in views.py: a feed is fetched by a calendar app, with no session,
and answers in iCalendar rather than HTML.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from visits import ics, selectors
from visits.models import CalendarTokenKind
from visits.services import calendar_token_ensure, calendar_token_rotate

CONTENT_TYPE = "text/calendar; charset=utf-8"


def ics_response(
    request: HttpRequest, body: bytes, *, filename: str, download: bool
) -> HttpResponse:
    """The calendar with a strong ETag of its bytes; 304 when If-None-Match already has it."""
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # The address is a secret: no shared cache may keep it; apps revalidate with the ETag.
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex"
    return get_conditional_response(request, etag=response["ETag"], response=response)


def feed_urls(request: HttpRequest, *, kind: str) -> dict[str, str]:
    """The owner's feed address (made on her first visit), and the same for a webcal: link
    that opens the phone's calendar app."""
    feed = calendar_token_ensure(owner=request.user, kind=kind, language=request.LANGUAGE_CODE)
    url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A subscribed calendar: no login, the token in the address is the credential."""
    feed = selectors.calendar_token_resolve(token=token)
    if feed is None:
        raise Http404()
    with translation.override(feed.language or settings.LANGUAGE_CODE):
        body = ics.feed_body(feed)
    return ics_response(request, body, filename="visits.ics", download=False)


@require_safe
@login_required
def booking_ics(request: HttpRequest, booking_id: int) -> HttpResponse:
    """One of her own visits as a file (404 for anyone else's)."""
    booking = selectors.booking_for_calendar(user=request.user, booking_id=booking_id)
    local = booking.session.starts_at.astimezone(booking.session.facility.tz)
    return ics_response(request, ics.booking_calendar(booking),
                        filename=f"visit-{local:%Y-%m-%d}.ics", download=True)


@require_POST
@login_required
def calendar_feed_reset(request: HttpRequest, kind: str) -> HttpResponse:
    """A new secret address; the old one stops working (e.g. after sharing it by mistake)."""
    calendar_token_rotate(owner=request.user, kind=kind, language=request.LANGUAGE_CODE)
    messages.success(request, _("Your calendar link is new. The old link no longer works; "
                                "subscribe again with this one."))
    return redirect("my-bookings" if kind == CalendarTokenKind.CAREGIVER else "roster")
