"""Pieces the write services share: locks, status transitions, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.live import publish_topic_after_commit
from notifications.services import event_emit
from notifications.text import Text, moment
from scheduler.errors import Busy, Conflict, InvalidInput, NotFound, RuleViolation
from visits.access import places_topic, roster_topic
from visits.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    BookingStatusChange,
    Household,
    Liaison,
    Resident,
    Session,
)
from visits.rules import Violation
from visits.signals import booking_released


def is_lock_timeout(exc: OperationalError) -> bool:
    text = str(exc).lower()
    return "lock timeout" in text or "database is locked" in text or "lock_timeout" in text


@contextmanager
def locked_transaction() -> Iterator[None]:
    """`transaction.atomic()` where a timed-out lock wait becomes Busy (503). The timeout
    is the connection's (settings.BOOKING_LOCK_TIMEOUT_MS); SQLite waits for its file lock
    by the connection's own timeout."""
    try:
        with transaction.atomic():
            yield
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy() from exc
        raise


def lock_household(pk: int) -> Household:
    return Household.objects.select_for_update().get(pk=pk)


def lock_resident(pk: int) -> Resident:
    """Lock the resident's row (her quota spans sessions); her unit comes along."""
    # get(), not first(): a lookup by key needs no ORDER BY (first() sorts by the model's
    # ordering, which costs the booking path its compiling and PostgreSQL its sort).
    try:
        return Resident.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)
    except Resident.DoesNotExist:
        raise NotFound(_("We could not find that person.")) from None


# Every caller of a session for a change reads these along with it.
SESSION_RELATED = ("rule", "facility", "unit")


def lock_session(pk: int) -> Session:
    """Lock one session row. Everything that changes its places holds this lock.
    Its rule, facility and unit come along (every caller reads them)."""
    return _session(pk, lock=True)


def read_session(pk: int) -> Session:
    """A session with its rule, facility and unit, without locking it: a booking checks
    its rules against this copy and takes the place last, with `claim_place`."""
    return _session(pk, lock=False)


def _session(pk: int, *, lock: bool) -> Session:
    sessions = Session.objects.select_related(*SESSION_RELATED)
    if lock:
        sessions = sessions.select_for_update(of=("self",))
    try:
        return sessions.get(pk=pk)  # by key: no ORDER BY (see lock_resident)
    except Session.DoesNotExist:
        raise NotFound(_("We could not find that session.")) from None


def claim_place(session: Session) -> bool:
    """Take one place of a session read without its lock, if it is still as read: open,
    not full, at the same times. False if not (the caller decides again under the lock).

    One guarded UPDATE: it waits for whoever holds the session's row and re-checks the
    condition, so the check and the taking cannot be split by another booking; the
    database's check constraint still guards the count. The row stays locked from here
    to COMMIT, so the count this commit leaves is known exactly: by the guard itself when
    nobody took a place since the read (the usual case: one round trip), else read back."""
    still_as_read = Session.objects.filter(
        pk=session.pk, held__lt=F("capacity"), status=session.status,
        starts_at=session.starts_at, ends_at=session.ends_at,
    )
    if still_as_read.filter(held=session.held).update(held=F("held") + 1):
        session.held += 1
    elif still_as_read.update(held=F("held") + 1):
        # Another family took a place since the read: count what this commit leaves.
        session.held = Session.objects.values_list("held", flat=True).get(pk=session.pk)
    else:
        return False
    announce_places(session)
    return True


def change_held(session: Session, delta: int) -> None:
    """Move the session's place counter; the caller holds the session lock, and the
    database's check constraint still guards the count."""
    Session.objects.filter(pk=session.pk).update(held=F("held") + delta)
    session.held += delta
    announce_places(session)


def announce_places(session: Session) -> None:
    """Tell open session lists the new number of places (public: no personal data)."""
    publish_topic_after_commit(
        topic=places_topic(session.facility_id),
        event_type="visits.session.places",
        data={"session_id": session.pk, "remaining": session.remaining},
    )


def announce_roster(session: Session) -> None:
    """Tell the facility's open roster pages that a booking changed (the session id only;
    the page fetches itself again). Staff-only topic; not stored, so never replayed."""
    publish_topic_after_commit(
        topic=roster_topic(session.facility_id), event_type="visits.roster.changed",
        data={"session_id": session.pk},
    )


def transition(
    booking: Booking,
    *,
    to: str,
    allowed_from: Iterable[str],
    actor: AbstractBaseUser | None,
    reason: str = "",
    reason_code: str = "",
    **fields: object,
) -> str:
    """Move a booking to `to` only if it is still in one of `allowed_from` (compare-and-swap).

    Returns the old status. Zero rows changed means someone else moved it first: Conflict.
    """
    allowed = list(allowed_from)
    old = booking.status
    # A new reason (a code, a note or both) replaces the old one whole; none keeps it.
    why = ({"reason": reason, "reason_code": reason_code} if reason or reason_code else {})
    changed = Booking.objects.filter(pk=booking.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **why, **fields
    )
    if not changed:
        booking.refresh_from_db(fields=["status"])
        raise Conflict(
            _("This booking is %(status)s now, so it cannot be changed that way.")
            % {"status": BookingStatus(booking.status).label.lower()},
            code="wrong_status",
        )
    booking.status = to
    for name, value in why.items():
        setattr(booking, name, value)
    for name, value in fields.items():
        setattr(booking, name, value)
    BookingStatusChange.objects.create(
        booking=booking, from_status=old, to_status=to, actor=actor, reason=reason,
        reason_code=reason_code,
    )
    if old in HOLDING_STATUSES and to not in HOLDING_STATUSES:
        booking_released.send(sender=Booking, booking=booking, old_status=old, actor=actor,
                              reason=reason)
    announce_roster(booking.session)
    return old


def raise_violations(violations: list[Violation]) -> None:
    if not violations:
        return
    fields: dict[str, list[str]] = {}
    for v in violations:
        fields.setdefault(v.field, []).append(v.message)
    raise RuleViolation(
        violations[0].message if len(violations) == 1 else None,
        fields=fields,
        extra={"violations": [{"code": v.code, "message": v.message} for v in violations]},
    )


def booking_event_data(booking: Booking) -> dict[str, object]:
    """What a booking event may say: no prison ID, no visitor names, resident's first name."""
    session = booking.session
    return {
        "booking_id": booking.pk,
        "session_id": session.pk,
        "facility_id": session.facility_id,
        "status": booking.status,
        "kind": session.kind,
        "starts_at": session.starts_at.isoformat(),
        "resident_first_name": booking.resident.first_name,
        "reason_code": booking.reason_code,
        "reason": booking.reason,
    }


def session_moment(session: Session) -> dict[str, str]:
    """The session's start as a message parameter, worded in each reader's language."""
    return moment(session.starts_at, session.facility.time_zone)


def local_when(session: Session) -> Text:
    return Text(gettext_noop("%(when)s (facility time)"), {"when": session_moment(session)})


def tell_household(
    booking: Booking, *, type: str, title: str | Text, body: str | Text = "",
    urgent: bool = False,
) -> None:
    """Write the booking's change into its caregiver's inbox (same transaction).

    `urgent` for cancellations and closures: emailed and texted even in quiet hours,
    since a family may be about to drive hours to the facility.
    """
    caregiver = booking.household.caregiver
    event_emit(
        type=type, title=title, body=body, recipients=[caregiver],
        data=booking_event_data(booking), urgent=urgent,
    )


def tell_liaisons(
    booking: Booking, *, type: str, title: str | Text, urgent: bool = False,
    external: bool = True, languages: dict[int, str | None] | None = None,
) -> None:
    """Tell the session's facility's liaisons. `languages`: what
    `liaison_languages` answers, where the caller already read it."""
    if languages is None:
        languages = liaison_languages(booking.session.facility_id)
    if not languages:
        return
    # event_emit needs only who they are: ids, not whole user rows.
    user_model = get_user_model()
    # Which visit, so that a busy liaison knows from the message alone what changed.
    body = Text(gettext_noop("The visit to %(name)s on %(when)s (see that day's roster)."),
                {"name": booking.resident.first_name, "when": session_moment(booking.session)})
    event_emit(type=type, title=title, body=body,
               recipients=[user_model(pk=pk) for pk in languages],
               data=booking_event_data(booking), urgent=urgent, external=external,
               languages=languages)


def liaison_languages(facility_id: int) -> dict[int, str | None]:
    """The facility's liaisons (user ids) with the language each chose, if any, in one
    query: every booking request tells them."""
    return dict(
        Liaison.objects.filter(facility_id=facility_id)
        .values_list("user_id", "user__notification_preference__language")
    )


def now() -> dt.datetime:
    return timezone.now()


def check_reason_fits(reason: str, model: type, field: str = "reason") -> None:
    """Refuse a reason longer than the column that keeps it, as a clear InvalidInput;
    PostgreSQL would otherwise fail the whole write (a 500) where SQLite quietly stores it."""
    limit = model._meta.get_field(field).max_length
    if len(reason.strip()) > limit:
        raise InvalidInput(fields={"reason": [
            _("Keep the reason to %(limit)d characters or fewer.") % {"limit": limit}]})
