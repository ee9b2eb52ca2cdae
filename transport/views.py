"""Pages: the coordinator's board, a driver's day on her phone, a family's ride request.

Views only translate HTTP to services and selectors; errors come back as messages.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from notifications.selectors import live_start
from scheduler.csv_export import csv_response, month_range, report_range
from scheduler.errors import DomainError, InvalidInput
from scheduler.http import error_summary, run_action
from scheduler.inputs import parse_day, parse_id
from transport import exports, ics, selectors, services, staff
from transport.fund.donations import money_text
from transport.geocoding import geocoder
from transport.models import (
    Driver,
    DriverFeed,
    Leg,
    PickupPoint,
    RideRequest,
    RideStatus,
    StopKind,
    StopStatus,
    Trip,
    UnservedReason,
)


def _day(request: HttpRequest) -> dt.date:
    raw = request.GET.get("date") or request.POST.get("date") or ""
    return parse_day(raw) or selectors.today_for(request.user)


def _facility_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("facility") or request.POST.get("facility") or ""
    return parse_id(raw)


def _board_url(day: dt.date, facility_id: int | None) -> str:
    url = f"{reverse('ride-board')}?date={day.isoformat()}"
    return url + (f"&facility={facility_id}" if facility_id else "")


# --- the coordinator's board ------------------------------------------------------------


def _mark_time_zones(board: selectors.Board) -> None:
    for trip in board.trips:
        trip.tz_name = _trip_zone(trip)


def _trip_zone(trip: Trip) -> str:
    """A trip's times are in the zone of the facility it serves (UTC if it has no stops):
    the board and the driver's page read its leaving time the same way."""
    stops = list(trip.stops.all())
    return stops[0].request.booking.session.facility.time_zone if stops else settings.TIME_ZONE


def _trip_choices(board: selectors.Board, program_id: int | None) -> list[tuple[str, str]]:
    """Where a ride can be pinned: a trip of her program's drivers that day, or one of its
    drivers who has none yet."""
    trips = [(str(t.pk), f"{_name(t.driver)} · {t.vehicle}") for t in board.trips
             if t.driver.program_id == program_id]
    drivers = [(f"driver-{d.pk}", _("%(name)s (no trip yet)") % {"name": _name(d)})
               for d in selectors.drivers_without_trip(board.day, program_id=program_id)]
    return trips + drivers


def _name(driver: Driver) -> str:
    return driver.user.get_full_name() or driver.user.username


def _pin_label(ride: RideRequest) -> str:
    """What the ride is pinned to, in words ("" if it is not pinned)."""
    if ride.pinned_trip_id:
        return _("Pinned to %(name)s's trip") % {"name": _name(ride.pinned_trip.driver)}
    if ride.pinned_driver_id:
        return _("Pinned to %(name)s") % {"name": _name(ride.pinned_driver)}
    return ""


# The planner's reasons that, for a pinned ride, speak of the pinned driver alone: said so,
# or a coordinator reads "no driver could" and never thinks of the pin.
PIN_REASONS = {
    UnservedReason.NO_ROOM: gettext_noop("The pinned driver's vehicle is full or busy at the "
                                         "times this ride needs."),
    UnservedReason.NO_VEHICLE_FITS: gettext_noop(
        "The pinned driver's vehicle has too few seats, child seats or wheelchair places for "
        "this ride."),
}


def _pin_problem(ride: RideRequest) -> str:
    """Why a pinned ride was left out: the pin's own reason, else the planner's."""
    if ride.status != RideStatus.UNSERVED or not ride.pin_label:
        return ""
    own = PIN_REASONS.get(ride.unserved_reason)
    return _(own) if own else ride.get_unserved_reason_display()


@require_safe
@login_required
def board(request: HttpRequest) -> HttpResponse:
    facility_id = _facility_id(request)
    # No day chosen yet: open on the next day with rides to plan or drive.
    chosen = "date" in request.GET
    day = _day(request) if chosen else selectors.next_busy_day(user=request.user)
    data = selectors.board_for_day(user=request.user, day=day, facility_id=facility_id)
    _mark_time_zones(data)
    for ride in data.requests:
        # The pin as the form's value: its trip, else the driver it names for the day.
        ride.pin_choice = (str(ride.pinned_trip_id) if ride.pinned_trip_id else
                           f"driver-{ride.pinned_driver_id}" if ride.pinned_driver_id else "")
        ride.pin_label = _pin_label(ride)
        ride.pin_problem = _pin_problem(ride)
        for seat in ride.seats:
            seat.amount_text = money_text(seat.amount_cents, seat.fund.currency)
    week = selectors.week_for(user=request.user, day=day, facility_id=facility_id)
    return render(request, "transport/board.html", {
        "board": data, "day": day, "facility_id": facility_id, "week": week,
        "prev_week": week[0].day - dt.timedelta(days=7),
        "next_week": week[0].day + dt.timedelta(days=7),
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "today": selectors.today_for(request.user), "trip_choices": _trip_choices(
            data, staff.coordinator_of(request.user).program_id),
        "live_after": live_start(request.user),
    })


def _posted_day(request: HttpRequest) -> dt.date | None:
    """The day a board button acts on, as the form posted it; None if missing or not a date
    (never today in its place: she would act on a day she did not pick)."""
    return parse_day(request.POST.get("date") or request.GET.get("date") or "")


def _back_to_board(day: dt.date | None, facility_id: int | None) -> str:
    """Done or refused, she comes back to the day she acted on (without one, to the board)."""
    return _board_url(day, facility_id) if day else reverse("ride-board") + (
        f"?facility={facility_id}" if facility_id else "")


def _day_to_plan(day: dt.date | None) -> dt.date:
    if day is None:
        message = _("The day to plan was missing or not a valid date. Choose the day on "
                    "the board again.")
        raise InvalidInput(message, fields={"date": [message]})
    return day


@require_POST
@login_required
def plan_start(request: HttpRequest) -> HttpResponse:
    day, facility_id = _posted_day(request), _facility_id(request)
    return run_action(request, lambda: services.plan_run_start(
        actor=request.user, day=_day_to_plan(day), facility_id=facility_id),
        _("Planning has started. The board updates when it is done."),
        _back_to_board(day, facility_id))


def _pin_target(request: HttpRequest) -> dict[str, int | None]:
    """The form's choice: a trip id, `driver-<id>`, or empty (unpin)."""
    raw = request.POST.get("trip_id", "")
    if raw == "":
        return {"trip_id": None}
    if raw.startswith("driver-") and (driver_id := parse_id(raw.removeprefix("driver-"))):
        return {"driver_id": driver_id}
    trip_id = parse_id(raw)
    if trip_id is None:
        raise InvalidInput(_("Choose a trip."), fields={"trip_id": [_("Choose a trip.")]})
    return {"trip_id": trip_id}


@require_POST
@login_required
def ride_pin(request: HttpRequest, request_id: int) -> HttpResponse:
    """Pin (or unpin) a request to a trip; with `replan`, plan the day again around it."""
    day, facility_id = _day(request), _facility_id(request)

    def pin() -> None:
        target = _pin_target(request)
        if request.POST.get("replan"):
            # The ride's own day is planned (not the posted one); refused, the pin is undone.
            services.ride_request_pin_and_plan(actor=request.user, request_id=request_id,
                                               facility_id=facility_id, **target)
        else:
            services.ride_request_pin(actor=request.user, request_id=request_id, **target)

    done = _("Pinned. Planning again around it.") if request.POST.get("replan") else _("Saved.")
    return run_action(request, pin, done, _board_url(day, facility_id))


@require_POST
@login_required
def ride_unpin(request: HttpRequest, request_id: int) -> HttpResponse:
    """From a not-planned card: take the ride's pin off and plan its day with every driver.
    The posted day is the board's, so a ride of another day is refused, not re-planned."""
    day, facility_id = _posted_day(request), _facility_id(request)
    return run_action(request, lambda: services.ride_request_unpin_and_plan(
        actor=request.user, request_id=request_id, day=_day_to_plan(day),
        facility_id=facility_id),
        _("Unpinned. Planning the day again with every driver."),
        _back_to_board(day, facility_id))


@require_POST
@login_required
def ride_cancel(request: HttpRequest, request_id: int) -> HttpResponse:
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("home")
    return run_action(request, lambda: services.ride_request_cancel(
        actor=request.user, request_id=request_id), _("The ride request is cancelled."), back)


# --- a driver's day ------------------------------------------------------------------------


def _feed_urls(request: HttpRequest, feed: DriverFeed) -> dict[str, str]:
    url = request.build_absolute_uri(reverse("ride-calendar-feed", args=[feed.token]))
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


@require_safe
@login_required
def driver_day(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    trips = selectors.trips_for_driver(user=request.user, day=day)
    feed = services.driver_feed_ensure(actor=request.user, language=request.LANGUAGE_CODE)
    own_zone = selectors.time_zone_of(request.user)
    for trip in trips:
        # When to leave home, as the board shows it (Trip.starts_at in the trip's zone).
        trip.tz_name = _trip_zone(trip)
        trip.name_zone = trip.tz_name != own_zone
        for stop in trip.stops.all():
            stop.riders = selectors.first_names(stop.request)
            # Times are the facility's (what the family was told); named when she lives by
            # another clock, or a trip across two zones reads as stops out of order.
            stop.name_zone = stop.request.booking.session.facility.time_zone != own_zone
            stop.next_status = (StopStatus.PICKED_UP if stop.kind == StopKind.PICKUP
                                else StopStatus.DROPPED_OFF)
            # Buttons only on the trip's day where the facility is (the service checks too).
            stop.markable = selectors.stop_day_today(stop) == trip.day
        trip.markable = any(stop.markable for stop in trip.stops.all())
    return render(request, "transport/driver.html", {
        "trips": trips, "day": day, "today": selectors.today_for(request.user),
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "feed": _feed_urls(request, feed), "live_after": live_start(request.user),
    })


@require_POST
@login_required
def stop_mark(request: HttpRequest, stop_id: int, status: str) -> HttpResponse:
    done = {StopStatus.PICKED_UP: _("Marked picked up."),
            StopStatus.DROPPED_OFF: _("Marked dropped off.")}.get(status, "")
    back = reverse("ride-driver") + f"?date={_day(request).isoformat()}#stop-{stop_id}"
    return run_action(request, lambda: services.stop_mark(
        actor=request.user, stop_id=stop_id, status=status), done, back)


@require_POST
@login_required
def driver_feed_reset(request: HttpRequest) -> HttpResponse:
    services.driver_feed_reset(actor=request.user, language=request.LANGUAGE_CODE)
    messages.success(request, _("Your calendar link is new. The old link no longer works; "
                                "subscribe again with this one."))
    return redirect("ride-driver")


@require_safe
def driver_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A driver's trips for her calendar app: no login, the token is the credential."""
    feed = DriverFeed.objects.select_related("driver__user").filter(token=token).first()
    if feed is None:
        raise Http404()
    return ics.feed_response(request, feed)


# --- a family's ride ----------------------------------------------------------------------


RIDE_FIELDS = ("pickup_label", "pickup_zip", "pickup_latitude", "pickup_longitude", "adults",
               "children", "child_seats", "wheelchair_places", "earliest_pickup")


def _ask_from_form(request: HttpRequest, booking) -> services.RideAsk:
    post, fields = request.POST, {}

    def number(name: str, default: int) -> int:
        raw = post.get(name, "").strip()
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            fields[name] = [_("Enter a whole number.")]
            return default

    point = _chosen_point(post, fields)
    if point is not None:  # the program's named place: its own label and map point
        label, (latitude, longitude) = str(point), (point.latitude, point.longitude)
    else:
        label, (latitude, longitude) = post.get("pickup_label", ""), _pickup_point(post, fields)
    ask = services.RideAsk(
        pickup_label=label,
        pickup_latitude=latitude, pickup_longitude=longitude,
        adults=number("adults", 1), children=number("children", 0),
        child_seats=number("child_seats", 0), wheelchair_places=number("wheelchair_places", 0),
        outbound=bool(post.get("outbound")), return_trip=bool(post.get("return_trip")),
        earliest_pickup=_earliest(post.get("earliest_pickup", ""), booking, fields),
    )
    if fields:
        raise InvalidInput(_("Please check the ride details."), fields=fields)
    return ask


def _chosen_point(post: QueryDict, fields: dict) -> PickupPoint | None:
    raw = post.get("pickup_point", "").strip()
    if not raw:
        return None
    point_id = parse_id(raw)
    point = staff.pickup_points_offered().filter(pk=point_id).first() if point_id else None
    if point is None:
        fields["pickup_point"] = [_("Choose a meeting place from the list, or leave it empty "
                                    "and give your address.")]
    return point


def _coordinate(raw: str) -> float | None:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None  # "nan", "inf" parse but are no place


def _pickup_point(post: QueryDict, fields: dict) -> tuple[float, float]:
    """The phone's location if she shared it; else her ZIP code's (or the address's) point,
    so a family who refused location can still ask for a ride."""
    raw_lat, raw_lng = post.get("pickup_latitude", "").strip(), post.get("pickup_longitude", "")
    if raw_lat or raw_lng.strip():
        latitude, longitude = _coordinate(raw_lat), _coordinate(raw_lng.strip())
        if latitude is not None and longitude is not None:
            return latitude, longitude
        for name, value in (("pickup_latitude", latitude), ("pickup_longitude", longitude)):
            if value is None:
                fields[name] = [_("Tap “Use my location” again, or clear this box and give "
                                  "your ZIP code.")]
        return 0.0, 0.0
    zip_code = post.get("pickup_zip", "").strip()
    point = geocoder().locate(zip_code or post.get("pickup_label", ""))
    if point is None:
        fields["pickup_zip"] = [
            _("We do not know this ZIP code. Check its five digits.") if zip_code
            else _("Give your ZIP code (five digits), or tap “Use my location”.")]
        return 0.0, 0.0
    return point.latitude, point.longitude


def _earliest(raw: str, booking, fields: dict) -> dt.datetime | None:
    """A wall-clock time ("07:30") on the visit's day in the facility's time zone."""
    if not raw.strip():
        return None
    try:
        clock = dt.time.fromisoformat(raw.strip())
    except ValueError:
        fields["earliest_pickup"] = [_("Give a time such as 07:30.")]
        return None
    tz = booking.session.facility.tz
    day = booking.session.starts_at.astimezone(tz).date()
    return dt.datetime.combine(day, clock, tzinfo=tz)


@login_required
def ride_for_booking(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = selectors.booking_for_ride(user=request.user, booking_id=booking_id)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            services.ride_request_create(actor=request.user, booking_id=booking.pk,
                                         ask=_ask_from_form(request, booking))
        except DomainError as error:
            if error.code != "ride_exists":
                # Each box on the form has its field's name as its id.
                errors = error_summary(error, {name: name for name in RIDE_FIELDS},
                                       "pickup_zip")
            else:
                # Most often a double tap whose first press already asked: not her mistake.
                messages.info(request, _("You have already asked for a ride for this visit. "
                                         "It is shown below."))
                return redirect("ride-for-booking", booking_id=booking.pk)
        else:
            messages.success(request, _("Thank you. We will tell you your pickup time "
                                        "when the rides are planned."))
            return redirect("ride-for-booking", booking_id=booking.pk)
    rides = list(selectors.rides_for_household(user=request.user).filter(booking=booking))
    for ride in rides:
        ride.pickups = {s.leg: s for s in ride.stops.all() if s.kind == StopKind.PICKUP}
        ride.outbound_stop = ride.pickups.get(Leg.OUTBOUND)
        ride.return_stop = ride.pickups.get(Leg.RETURN)
    live = next((r for r in rides if r.status != RideStatus.CANCELLED), None)
    return render(request, "transport/ride_request.html", {
        "booking": booking, "session": booking.session, "live": live,
        "form": request.POST if request.method == "POST" else {},
        "live_after": live_start(request.user), "errors": errors,
        "points": staff.pickup_points_offered(),
        # A video call, or a visit declined or cancelled: no form she could only be refused.
        "ride_possible": services.ride_possible_for(booking),
    })


@login_required
@require_safe
def rides_csv(request: HttpRequest) -> HttpResponse:
    """Coordinators: every ride asked for visits in ?from=&to= (default: six months)."""
    first, last = month_range(timezone.now().date())
    first, last = report_range(request.GET, default_first=first, default_last=last)
    rows = exports.ride_rows(user=request.user, first=first, last=last)
    return csv_response(f"rides-{first.isoformat()}-{last.isoformat()}.csv",
                        exports.RIDES_HEADER, rows)
