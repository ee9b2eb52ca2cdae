"""Visit reminders: the day before and two hours before, to the household's caregiver.

A sweep runs every minute. It finds bookings whose reminder time has come (up to a
tolerance: a reminder many hours late is noise, one after the visit began is worse), then
sends each under the session's lock, re-reading the booking there: a visit cancelled or
moved meanwhile gets no reminder for the old time. A `Reminder` row per booking, kind and
visit time makes each one go out once, whatever the retries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.models import Preference
from notifications.services import event_emit
from notifications.text import Text, moment
from visits.info import info_text
from visits.models import (
    Booking,
    BookingStatus,
    Reminder,
    ReminderKind,
    Session,
    SessionStatus,
    VisitKind,
)
from visits.services.common import booking_event_data, lock_session, locked_transaction, now

REMINDED_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class Timing:
    kind: str
    before: dt.timedelta  # how long before the visit starts
    tolerance: dt.timedelta  # how late the sweep may still send it


TIMINGS = (
    Timing(ReminderKind.DAY_BEFORE, dt.timedelta(hours=24), dt.timedelta(hours=6)),
    Timing(ReminderKind.TWO_HOURS, dt.timedelta(hours=2), dt.timedelta(minutes=45)),
)


@dataclass(frozen=True)
class DueReminder:
    booking_id: int
    session_id: int
    kind: str
    starts_at: dt.datetime


def reminders_due(*, at: dt.datetime) -> list[DueReminder]:
    """Reminders whose time has come at `at` and that were not sent for this visit time."""
    due: list[DueReminder] = []
    for timing in TIMINGS:
        already = Reminder.objects.filter(
            booking=OuterRef("pk"), kind=timing.kind, starts_at=OuterRef("session__starts_at")
        )
        rows = (
            Booking.objects.filter(
                status__in=REMINDED_STATUSES,
                session__status=SessionStatus.OPEN,
                session__starts_at__gt=at + timing.before - timing.tolerance,
                session__starts_at__lte=at + timing.before,
            )
            .exclude(Exists(already))
            .order_by("session_id", "pk")
            .values_list("pk", "session_id", "session__starts_at")
        )
        due += [DueReminder(pk, sid, timing.kind, starts) for pk, sid, starts in rows]
    return due


def reminder_send(due: DueReminder) -> bool:
    """Send one reminder if the visit still stands at the time it was due for.

    Returns False (and sends nothing) when the booking is no longer requested/confirmed,
    the session closed or moved, or the reminder already went. Locks the session, like
    every cancellation does, so a cancellation is either seen here or comes after.
    """
    with locked_transaction():
        session = lock_session(due.session_id)
        booking = (
            Booking.objects.select_related("household__caregiver", "resident")
            .filter(pk=due.booking_id, session_id=session.pk).first()
        )
        if booking is None or not _still_stands(booking, session, due):
            return False
        Reminder.objects.create(booking=booking, kind=due.kind, starts_at=session.starts_at)
        booking.session = session
        _emit(booking, session, due.kind)
    return True


def _still_stands(booking: Booking, session: Session, due: DueReminder) -> bool:
    if booking.status not in REMINDED_STATUSES or session.status != SessionStatus.OPEN:
        return False
    if session.starts_at != due.starts_at:
        return False  # moved since the sweep looked: the next sweep handles the new time
    return not Reminder.objects.filter(
        booking=booking, kind=due.kind, starts_at=session.starts_at
    ).exists()


def _details(session: Session, caregiver_id: int) -> str:
    """Address, phone and the ID to bring, in the family's own language: the reminder is
    what a grandmother reads on the morning of a long trip."""
    facility = session.facility
    language = (Preference.objects.filter(user_id=caregiver_id)
                .values_list("language", flat=True).first()) or settings.LANGUAGE_CODE
    with translation.override(language):
        parts = []
        if facility.address:
            address = " ".join(facility.address.split())
            parts.append(_("Address: %(address)s.") % {"address": address})
        if facility.phone:
            parts.append(_("Phone: %(phone)s.") % {"phone": facility.phone})
        id_text = info_text(facility, language, ("id_adults",)).get("id_adults")
        if id_text:
            parts.append(_("ID to bring: %(id)s") % {"id": " ".join(id_text.split())})
    return " ".join(parts)


def _emit(booking: Booking, session: Session, kind: str) -> None:
    zone = session.facility.time_zone
    at, when = moment(session.starts_at, zone, "time"), moment(session.starts_at, zone)
    if kind == ReminderKind.DAY_BEFORE:
        title = Text(gettext_noop("Reminder: your visit is tomorrow at %(time)s"),
                     {"time": at})
    else:
        title = Text(gettext_noop("Reminder: your visit starts at %(time)s"),
                     {"time": at})
    params = {"facility": session.facility.name, "when": when}
    details = _details(session, booking.household.caregiver_id)
    if session.kind == VisitKind.VIDEO:
        body = Text(gettext_noop("Video call with %(facility)s on %(when)s (facility time). "
                                 "If it is cancelled, we will tell you at once."), params)
    elif details:
        body = Text(gettext_noop("At %(facility)s on %(when)s (facility time). %(details)s "
                                 "If the visit is cancelled, we will tell you at once."),
                    {**params, "details": details})
    else:
        body = Text(gettext_noop("At %(facility)s on %(when)s (facility time). "
                                 "If the visit is cancelled, we will tell you at once."), params)
    event_emit(
        type="visits.booking.reminder", title=title, body=body,
        recipients=[booking.household.caregiver],
        data={**booking_event_data(booking), "reminder": kind},
    )


def reminders_send_due(*, at: dt.datetime | None = None) -> int:
    """Send every reminder due at `at` (default now); returns how many went out."""
    moment = at or now()
    return sum(reminder_send(due) for due in reminders_due(at=moment))
