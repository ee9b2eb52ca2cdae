"""A driver's trips as a calendar feed (/rides/calendar/<secret token>.ics).

A calendar is often shared (with a partner, a work calendar), so the feed names nobody:
each trip is one event with its stops as times, places and counts ("2 adults, 1 child").
Names stay on the driver's page behind her login.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Calendar, Event, vDuration

from transport.models import DriverFeed, Stop, Trip
from transport.selectors import trips_for_feed
from visits.ics_views import ics_response

PRODID = "-//Family visit scheduler//Rides//EN"
REFRESH = dt.timedelta(hours=1)


def party(stop: Stop) -> str:
    request = stop.request
    parts = [ngettext("%(count)d adult", "%(count)d adults", request.adults)
             % {"count": request.adults}]
    if request.children:
        parts.append(ngettext("%(count)d child", "%(count)d children", request.children)
                     % {"count": request.children})
    return ", ".join(parts)


def _stop_line(stop: Stop) -> str:
    when = stop.planned_at.astimezone(stop.request.booking.session.facility.tz).strftime("%H:%M")
    return f"{when} · {stop.get_kind_display()} · {party(stop)} · {stop.label}"


def trip_event(trip: Trip) -> Event:
    stops = list(trip.stops.all())
    start = trip.starts_at or (stops[0].planned_at if stops else None)
    end = trip.ends_at or (stops[-1].planned_at if stops else None)
    event = Event.new(
        uid=f"trip-{trip.pk}@rides",
        stamp=trip.updated_at, last_modified=trip.updated_at, created=trip.created_at,
        start=start, end=end if end and start and end > start else None,
        summary=ngettext("Ride: %(count)d stop", "Ride: %(count)d stops", len(stops))
        % {"count": len(stops)},
        description="\n".join([_("Vehicle: %(name)s") % {"name": trip.vehicle.name}]
                              + [_stop_line(s) for s in stops]),
        location=stops[0].label if stops else "",
        status="CONFIRMED",
    )
    return event


def driver_calendar(trips: list[Trip], *, uid: str) -> bytes:
    calendar = Calendar.new(prodid=PRODID, name=_("My rides"), uid=uid, refresh_interval=REFRESH)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    for trip in trips:
        if trip.starts_at or trip.stops.all():
            calendar.add_component(trip_event(trip))
    return calendar.to_ical()


def feed_response(request: HttpRequest, feed: DriverFeed) -> HttpResponse:
    with translation.override(feed.language or settings.LANGUAGE_CODE):
        body = driver_calendar(trips_for_feed(driver=feed.driver),
                               uid=f"driver-{feed.driver_id}@rides")
    return ics_response(request, body, filename="rides.ics", download=False)
