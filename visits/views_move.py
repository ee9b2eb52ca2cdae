"""A family moves a visit to another time in one step (`booking_reschedule`): the old
place stays hers until the new one is secured. What moves with the visit (her ride) is said
on both pages, in the words of the part it belongs to (`move_notes`)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from scheduler.errors import DomainError, NotFound
from scheduler.http import show_error
from scheduler.inputs import parse_ids
from visits import round_selectors, selectors, services
from visits.access import booking_of_household
from visits.models import Booking
from visits.services.reschedule import MOVABLE, move_notes
from visits.views import _actionable_now, _approved_visitors, _mark_days


def _movable(request: HttpRequest, booking_id: int) -> Booking:
    booking = booking_of_household(request.user, booking_id)
    if booking.status not in MOVABLE:
        raise NotFound(_("Only a booked visit can be moved."))
    return booking


def _choices(request: HttpRequest, booking: Booking) -> list:
    """Times she could move to now: the same kind of visit (a move, not a video call for a
    trip), first come, booking window open, not the one she has."""
    in_rounds = round_selectors.round_session_ids(round_selectors.rounds_open_for_resident(
        user=request.user, resident_id=booking.resident_id, accepting_only=False))
    sessions = selectors.sessions_available(user=request.user, resident_id=booking.resident_id,
                                            kind=booking.session.kind)
    return _mark_days([s for s in _actionable_now(sessions.exclude(pk=booking.session_id),
                                                   set())
                       if s.pk not in in_rounds])


@login_required
def move_times(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _movable(request, booking_id)
    _mark_days([booking.session])
    return render(request, "visits/move.html", {
        "booking": booking, "sessions": _choices(request, booking),
        "notes": move_notes(booking)})


@login_required
def move_confirm(request: HttpRequest, booking_id: int, session_id: int) -> HttpResponse:
    booking = _movable(request, booking_id)
    session = next((s for s in _choices(request, booking) if s.pk == session_id), None)
    if session is None:
        raise NotFound(_("We could not find that session."))
    visitors = _approved_visitors(request, booking.resident_id)
    _mark_days([booking.session])
    if request.method == "POST":
        try:
            services.booking_reschedule(
                actor=request.user, booking_id=booking.pk, session_id=session.pk,
                visitor_ids=parse_ids(request.POST.getlist("visitor_ids")),
                idempotency_key=(request.POST.get("idempotency_key") or "")[:80] or None)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("Your visit is moved. The facility will confirm the "
                                        "new time."))
            return redirect("my-bookings")
    chosen = (set(parse_ids(request.POST.getlist("visitor_ids"))) if request.method == "POST"
              else {v.pk for v in booking.visitors.all()})
    return render(request, "visits/move_confirm.html", {
        "booking": booking, "session": session, "visitors": visitors, "chosen": chosen,
        "notes": move_notes(booking, session),
        "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
    }, status=400 if request.method == "POST" else 200)
