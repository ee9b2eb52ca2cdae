"""Calendars (.ics) of visits: a caregiver's own visits and a facility's roster.

What may go where (DESIGN.md, "Nobody sees what is not theirs"):
- never a prison ID number or a resident's last name, in any feed;
- a facility's roster is often shared with other staff calendars, so it names nobody but
  the resident's first name: visitors appear as counts ("2 adults, 1 child");
- the video-call join link goes only into the caregiver's own calendar.

Each event keeps one UID for its whole life and a SEQUENCE taken from the booking's status
history, which only grows, so a calendar app sees a change as an update of the same event.
DTSTAMP is the time of the last change (RFC 5545 3.8.7.2, for a calendar without METHOD),
which also keeps the body, and so its ETag, the same until something changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration

from visits import selectors
from visits.info import info_text
from visits.info_models import FacilityInfo
from visits.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    CalendarToken,
    CalendarTokenKind,
    Facility,
    Session,
    SessionStatus,
    VisitKind,
)
from visits.reasons import label_of

PRODID = "-//Family visit scheduler//Visits//EN"
# How often a calendar app should fetch the feed again.
REFRESH = dt.timedelta(hours=1)
ICS_STATUS = {
    BookingStatus.REQUESTED: "TENTATIVE",
    BookingStatus.WAITLISTED: "TENTATIVE",
    BookingStatus.OFFERED: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.CHECKED_IN: "CONFIRMED",
    BookingStatus.NO_SHOW: "CONFIRMED",
    BookingStatus.DECLINED: "CANCELLED",
    BookingStatus.CANCELLED: "CANCELLED",
}


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@visits"


def session_uid(session_id: int) -> str:
    return f"session-{session_id}@visits"


def sequence_of(changes: int) -> int:
    """SEQUENCE from a count of status changes: 0 for the first version of the event."""
    return max(changes - 1, 0)


def _local(moment: dt.datetime, facility: Facility) -> dt.datetime:
    return moment.astimezone(facility.tz)


def _one_line(text: str) -> str:
    return ", ".join(part.strip() for part in text.splitlines() if part.strip())


def _new_calendar(*, name: str, uid: str) -> Calendar:
    # An explicit UID: Calendar.new would invent a random one, changing the body each time.
    calendar = Calendar.new(prodid=PRODID, name=name, uid=uid, refresh_interval=REFRESH)
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    return calendar


def _finish(calendar: Calendar, sessions: Iterable[Session]) -> bytes:
    """Add a VTIMEZONE for every TZID used, covering the years of the events, and serialise."""
    years = sorted({
        _local(moment, s.facility).year for s in sessions for moment in (s.starts_at, s.ends_at)
    })
    if years:
        calendar.add_missing_timezones(
            first_date=dt.date(years[0], 1, 1), last_date=dt.date(years[-1] + 1, 1, 1)
        )
    return calendar.to_ical()


# --- a caregiver's visits --------------------------------------------------------------


def _booking_summary(booking: Booking) -> str:
    name = booking.resident.first_name
    if booking.session.kind == VisitKind.VIDEO:
        summary = _("Video call with %(name)s") % {"name": name}
    else:
        summary = _("Visit with %(name)s") % {"name": name}
    if booking.status in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN):
        return summary
    return f"{summary} ({BookingStatus(booking.status).label})"


def _join_link(booking: Booking) -> str:
    """The room link while the booking holds a place; never for a dropped booking. Only an
    outside service's full address: the service's own call page is a path, which a calendar
    app cannot open (the family joins from My visits)."""
    link = booking.join_url if booking.status in HOLDING_STATUSES else ""
    return link if link.startswith(("https://", "http://")) else ""


def _reason_lines(code: str, note: str) -> list[str]:
    """A staff reason in the feed's language, the note as typed; the system's own reasons
    are msgids, translated here too."""
    if not code:
        return [_("Reason: %(reason)s") % {"reason": _(note)}] if note else []
    lines = [_("Reason: %(reason)s") % {"reason": label_of(code)}] if label_of(code) else []
    if note:
        lines.append(_("Note from the facility: %(note)s") % {"note": note})
    return lines


def _booking_description(booking: Booking, link: str) -> str:
    lines = [_("Status: %(status)s") % {"status": BookingStatus(booking.status).label}]
    names = ", ".join(v.first_name for v in booking.visitors.all())
    if names:
        lines.append(_("Who: %(names)s") % {"names": names})
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.DECLINED):
        lines.extend(_reason_lines(booking.reason_code, booking.reason))
    if link:
        lines.append(_("Join the video call: %(url)s") % {"url": link})
        if booking.session.rule.shown_join_instructions:
            lines.append(booking.session.rule.shown_join_instructions)
    return "\n".join(lines)


# What a family must have at hand on the day, from the facility's information.
NOTE_KEYS = ("id_adults", "id_children", "dress_code", "bring", "not_bring")


def _family_notes(facility: Facility) -> str:
    """The facility's phone and the parts of its information a family needs at the gate,
    in the active language (the feed's), for a caregiver's own calendar."""
    texts = info_text(facility, get_language() or settings.LANGUAGE_CODE, NOTE_KEYS)
    lines = [_("Facility phone: %(phone)s") % {"phone": facility.phone}] if facility.phone else []
    labels = {key: FacilityInfo._meta.get_field(key).verbose_name for key in NOTE_KEYS}
    lines += [f"{capfirst(labels[key])}: {_one_line(texts[key])}" for key in NOTE_KEYS
              if key in texts]
    return "\n".join(lines)


def _notes_by_facility(bookings: Iterable[Booking]) -> dict[int, str]:
    facilities = {b.session.facility_id: b.session.facility for b in bookings}
    return {pk: _family_notes(facility) for pk, facility in facilities.items()}


def booking_event(booking: Booking, *, with_join_link: bool, notes: str = "") -> Event:
    """One booking as an event in its facility's time zone (needs `booking.changes`);
    `notes` (the facility's phone, ID and dress code) go under the description."""
    session, facility = booking.session, booking.session.facility
    link = _join_link(booking) if with_join_link else ""
    place = ", ".join(filter(None, [facility.name, _one_line(facility.address)]))
    event = Event.new(
        uid=booking_uid(booking.pk),
        sequence=sequence_of(booking.changes),
        stamp=booking.updated_at,
        last_modified=booking.updated_at,
        created=booking.created_at,
        start=_local(session.starts_at, facility),
        end=_local(session.ends_at, facility),
        summary=_booking_summary(booking),
        description="\n".join(filter(None, [_booking_description(booking, link), notes])),
        location=link or place,
        url=link or None,
        status=ICS_STATUS[BookingStatus(booking.status)],
    )
    if event.status == "CANCELLED":
        event.transparency = "TRANSPARENT"
    return event


def caregiver_calendar(bookings: list[Booking], *, uid: str) -> bytes:
    """A caregiver's visits, with the join link of each video call."""
    calendar = _new_calendar(name=_("My visits"), uid=uid)
    notes = _notes_by_facility(bookings)
    for booking in bookings:
        calendar.add_component(booking_event(booking, with_join_link=True,
                                             notes=notes[booking.session.facility_id]))
    return _finish(calendar, [b.session for b in bookings])


def booking_calendar(booking: Booking) -> bytes:
    """One visit, to download and open in a calendar app (same UID as in the feed)."""
    calendar = _new_calendar(name=_("My visits"), uid=f"{booking_uid(booking.pk)}-file")
    calendar.add_component(booking_event(booking, with_join_link=True,
                                         notes=_family_notes(booking.session.facility)))
    return _finish(calendar, [booking.session])


# --- a facility's roster ---------------------------------------------------------------


def party_size(booking: Booking, day: dt.date) -> str:
    """"2 adults, 1 child": who comes, as counts only (never names)."""
    visitors = list(booking.visitors.all())
    children = sum(v.is_child_on(day) for v in visitors)
    adults = len(visitors) - children
    parts = [ngettext("%(count)d adult", "%(count)d adults", adults) % {"count": adults}]
    if children:
        parts.append(
            ngettext("%(count)d child", "%(count)d children", children) % {"count": children}
        )
    return ", ".join(parts)


def _session_summary(session: Session) -> str:
    families = len(session.holding)
    parts = [
        session.unit.name if session.unit else "",
        session.get_kind_display(),
        ngettext("%(count)d family", "%(count)d families", families) % {"count": families},
    ]
    summary = " · ".join(p for p in parts if p)
    if session.status == SessionStatus.CLOSED:
        return f"{summary} ({SessionStatus(session.status).label})"
    return summary


def _session_description(session: Session) -> str:
    day = _local(session.starts_at, session.facility).date()
    lines = []
    if session.status == SessionStatus.CLOSED:
        lines.append(str(SessionStatus.CLOSED.label))
        lines.extend(_reason_lines(session.close_reason_code, session.close_reason))
    for booking in session.holding:
        lines.append(" — ".join([
            booking.resident.first_name,
            party_size(booking, day),
            str(BookingStatus(booking.status).label),
        ]))
    if session.waiting:
        lines.append(ngettext("%(count)d family on the waiting list",
                              "%(count)d families on the waiting list",
                              session.waiting) % {"count": session.waiting})
    return "\n".join(lines)


def session_event(session: Session) -> Event:
    """One session of the roster (needs `holding`, `waiting`, `changes`, `modified_at`)."""
    facility = session.facility
    return Event.new(
        uid=session_uid(session.pk),
        sequence=sequence_of(session.changes),
        stamp=session.modified_at,
        last_modified=session.modified_at,
        start=_local(session.starts_at, facility),
        end=_local(session.ends_at, facility),
        summary=_session_summary(session),
        description=_session_description(session),
        location=" · ".join(filter(None, [facility.name, session.unit and session.unit.name])),
        status="CANCELLED" if session.status == SessionStatus.CLOSED else "CONFIRMED",
    )


def roster_calendar(facility: Facility, sessions: list[Session]) -> bytes:
    """A facility's booked sessions for its staff: first names and counts only."""
    calendar = _new_calendar(
        name=_("%(facility)s: visits") % {"facility": facility.name},
        uid=f"facility-{facility.pk}-roster@visits",
    )
    calendar.add("X-WR-TIMEZONE", facility.time_zone)
    for session in sessions:
        calendar.add_component(session_event(session))
    return _finish(calendar, sessions)


# --- feeds ------------------------------------------------------------------------------


def feed_body(feed: CalendarToken) -> bytes:
    """The calendar behind a live feed token, as its owner may see it today."""
    if feed.kind == CalendarTokenKind.CAREGIVER:
        bookings = selectors.bookings_for_calendar(user=feed.owner)
        return caregiver_calendar(bookings, uid=f"household-of-{feed.owner_id}@visits")
    facility, sessions = selectors.roster_for_calendar(
        user=feed.owner, days_ahead=settings.SESSION_HORIZON_DAYS
    )
    return roster_calendar(facility, sessions)
