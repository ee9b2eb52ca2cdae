"""The call page (family, station, monitor), the staff's end button, the station page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls import selectors, services
from calls.access import (
    PHASE_EARLY,
    PHASE_OPEN,
    PHASE_OVER,
    PHASE_UNCONFIRMED,
    Seat,
    call_phase,
    check_callable,
    seat_of,
    window_of,
)
from calls.ice import ice_servers
from calls.models import CallRole
from scheduler.errors import Conflict, DomainError, NotPermitted
from visits.access import facility_of_liaison

# The call page alone may use the camera and microphone.
CALL_PERMISSIONS = settings.PERMISSIONS_POLICY.replace("camera=()", "camera=(self)").replace(
    "microphone=()", "microphone=(self)")


# Where each person goes after the call.
BACK = {CallRole.FAMILY: "/bookings/", CallRole.STATION: "/station/", CallRole.MONITOR: "/roster/"}


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "error.html", {"error": error}, status=error.status)


@login_required
def call_page(request: HttpRequest, booking_id: int) -> HttpResponse:
    try:
        seat = seat_of(request.user, booking_id)
    except DomainError as error:
        return _error_page(request, error)
    response = render(request, "calls/call.html", _call_context(seat, request.user.pk))
    response.permissions_policy = CALL_PERMISSIONS
    return response


def _call_context(seat: Seat, user_id: int, reason_error: str = "",
                  reason: str = "") -> dict[str, object]:
    booking = seat.booking
    opens, ends = window_of(booking)
    now = timezone.now()
    phase = call_phase(booking, now)
    refusal = _refusal(seat, phase, now)
    ended = selectors.call_ended_reason(booking_id=booking.pk)
    if ended is not None:
        refusal = _("Staff ended this call: %(reason)s") % {"reason": ended}
    # Only a call that will open by itself is worth waiting for on this page.
    waiting = phase == PHASE_EARLY and ended is None
    opens_in = int((opens - now).total_seconds()) if waiting else 0
    return {
        "booking": booking, "session": booking.session, "role": seat.role,
        "is_monitor": seat.role == CallRole.MONITOR, "opens": opens, "ends": ends,
        "refusal": refusal, "ice_servers": ice_servers(user_id=user_id, until=ends),
        "visitors": [v.first_name for v in booking.visitors.all()],
        "reason_error": reason_error, "reason": reason, "texts": _texts(),
        # A page opened early reloads itself when the call opens (if that is today).
        "opens_in": opens_in if 0 < opens_in < 86_400 else 0,
        "can_end": _can_end(seat, phase, ended),
        "back_url": _back_url(seat),
    }


def _can_end(seat: Seat, phase: str, ended: str | None) -> bool:
    """Staff end a call that is (or may now be) under way: its room is open, or someone is
    on it although the booking changed since (`call_end` refuses any other)."""
    if seat.role != CallRole.MONITOR or ended is not None or phase == PHASE_OVER:
        return False
    return phase == PHASE_OPEN or selectors.call_started(booking_id=seat.booking.pk)


def _refusal(seat: Seat, phase: str, now: dt.datetime) -> str | None:
    """Why nobody can join now (None when they can), saying what must happen first."""
    booking = seat.booking
    if phase == PHASE_OVER:  # whatever became of the booking, there is nothing to wait for
        return _("This call's time is over.")
    if phase == PHASE_UNCONFIRMED:
        at = formats.time_format(window_of(booking)[0].astimezone(booking.session.facility.tz),
                                 "TIME_FORMAT")
        if seat.role == CallRole.MONITOR:
            return _("Confirm the booking on the roster first: the call opens at %(time)s.") \
                % {"time": at}
        return _("The facility has not confirmed this visit yet. Once it does, the call "
                 "opens at %(time)s.") % {"time": at}
    try:
        check_callable(booking, now)
    except DomainError as error:
        return error.message
    return None


def _back_url(seat: Seat) -> str:
    """The family's visits, the station's calls, or the roster of the call's day."""
    if seat.role != CallRole.MONITOR:
        return BACK[seat.role]
    session = seat.booking.session
    day = session.starts_at.astimezone(session.facility.tz).date()
    return f"{reverse('roster')}?date={day.isoformat()}"


def _texts() -> dict[str, str]:
    """What call.js says, in the page's language."""
    return {
        "connecting": _("Connecting…"),
        "waiting": _("You are in. Waiting for the others to join."),
        "connected": _("You are connected."),
        "reconnecting": _("The connection dropped. Trying again…"),
        "you_left": _("You left the call."),
        "no_camera": _("We could not turn on your camera and microphone. Allow them for this "
                       "site in your browser's settings, then press Join again."),
        "one_camera": _("This phone has only one camera."),
        "audio_only": _("The connection is weak: video is paused, you can still talk."),
        # %(minutes)s and %(seconds)s are filled in by the page every second.
        "time_left": _("Time left: %(minutes)s:%(seconds)s"),
        "mute": _("Mute"), "unmute": _("Unmute"),
        "camera_off": _("Camera off"), "camera_on": _("Camera on"),
    }


@require_POST
@login_required
def call_end(request: HttpRequest, booking_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    try:
        services.call_end(user=request.user, booking_id=booking_id, reason=reason)
    except DomainError as error:
        return _end_refused(request, booking_id, error, reason)
    messages.success(request, _("The call was ended. The family is told why."))
    return redirect("call", booking_id=booking_id)


def _end_refused(request: HttpRequest, booking_id: int, error: DomainError,
                 reason: str) -> HttpResponse:
    if isinstance(error, Conflict):  # not under way (yet, or any more): the page says why
        messages.error(request, error.message)
        return redirect("call", booking_id=booking_id)
    if "reason" not in error.fields:
        return _error_page(request, error)
    seat = seat_of(request.user, booking_id)
    context = _call_context(seat, request.user.pk, reason_error=error.fields["reason"][0],
                            reason=reason)
    response = render(request, "calls/call.html", context, status=400)
    response.permissions_policy = CALL_PERMISSIONS
    return response


@login_required
def calls_now_page(request: HttpRequest) -> HttpResponse:
    """A liaison's calls under way at her facility: who is on each, and a way in."""
    try:
        facility = facility_of_liaison(request.user)
    except DomainError as error:
        return _error_page(request, error)
    calls = selectors.calls_now(facility_id=facility.pk, now=timezone.now())
    return render(request, "calls/now.html", {"facility": facility, "calls": calls})


@login_required
def station_page(request: HttpRequest) -> HttpResponse:
    station = selectors.station_of(request.user)
    if station is None:
        return _error_page(request, NotPermitted(_("This page is for video stations.")))
    now = timezone.now()
    calls = list(selectors.station_calls(station=station, now=now))
    # A call staff ended is not offered again: its page would only say it is over.
    ended = selectors.ended_reasons(booking_ids=[b.pk for b in calls])
    for booking in calls:
        booking.opens_at, _ends = window_of(booking)
        booking.ended_reason = ended.get(booking.pk)
        booking.is_open = booking.opens_at <= now and booking.ended_reason is None
    return render(request, "calls/station.html", {
        "station": station, "calls": calls, "facility": station.unit.facility,
        "current": next((b for b in calls if b.is_open), None)})
