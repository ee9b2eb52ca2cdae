"""Pieces the write services share: locks, status transitions, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.live import publish_topic_after_commit
from notifications.models import Preference
from notifications.services import event_emit
from notifications.text import Text
from scheduler.errors import Busy, Conflict, InvalidInput, NotFound, RuleViolation
from scheduler.rows import (
    Rows,
    Statement,
    instance_with_related,
    key_param,
    run_together,
    select_with_related,
)
from visits.access import roster_topic
from visits.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    BookingStatusChange,
    Household,
    HousingUnit,
    Liaison,
    Resident,
    Session,
)
from visits.rules import Violation
from visits.signals import booking_released


def lock_timeout_statement() -> Statement | None:
    """Make a long wait for a row lock fail fast (as Busy) instead of piling up requests."""
    if connection.vendor != "postgresql":
        return None  # SQLite waits for its file lock by the connection's own timeout
    return Statement(f"SET LOCAL lock_timeout = {int(settings.BOOKING_LOCK_TIMEOUT_MS)}")


def set_lock_timeout() -> None:
    run_together([s for s in [lock_timeout_statement()] if s])


def is_lock_timeout(exc: OperationalError) -> bool:
    text = str(exc).lower()
    return "lock timeout" in text or "database is locked" in text or "lock_timeout" in text


@contextmanager
def locked_transaction(*, timeout_sent_by_caller: bool = False) -> Iterator[None]:
    """`transaction.atomic()` with a lock timeout; a timed-out wait becomes Busy (503).

    With `timeout_sent_by_caller`, the caller sends `lock_timeout_statement()` itself,
    together with its first lock (`run_together`), to save a round trip."""
    try:
        with transaction.atomic():
            if not timeout_sent_by_caller:
                set_lock_timeout()
            yield
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy() from exc
        raise


def lock_household(pk: int) -> Household:
    return Household.objects.select_for_update().get(pk=pk)


def lock_resident(pk: int) -> Resident:
    """Lock the resident's row (her quota spans sessions)."""
    (rows,) = run_together([resident_lock_statement(pk)])
    return resident_from_rows(rows)


def resident_lock_statement(pk: int) -> Statement:
    """Plain SQL, as it runs on every booking attempt; the unit comes along for the
    answer, the facility loads on first use."""
    sql = (
        f"SELECT r.id, r.facility_id, r.unit_id, r.first_name, r.last_name, u.name"  # noqa: S608
        f" FROM {Resident._meta.db_table} r"
        f" LEFT JOIN {HousingUnit._meta.db_table} u ON u.id = r.unit_id WHERE r.id = %s"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE OF r"
    return Statement(sql, [key_param(Resident, pk)])


def resident_from_rows(rows: Rows | None) -> Resident:
    if not rows:
        raise NotFound(_("We could not find that person."))
    ((resident_id, facility_id, unit_id, first_name, last_name, unit_name),) = rows
    resident = Resident(pk=resident_id, facility_id=facility_id, unit_id=unit_id,
                        first_name=first_name, last_name=last_name)
    if unit_id is not None:
        resident.unit = HousingUnit(pk=unit_id, facility_id=facility_id, name=unit_name)
    return resident


# Every caller of a session for a change reads these along with it.
SESSION_RELATED = ("rule", "facility", "unit")


def lock_session(pk: int) -> Session:
    """Lock one session row. Everything that changes its places holds this lock.

    Its rule, facility and unit come along (every caller reads them). Plain SQL, built
    once: this runs on every booking attempt."""
    return session_from_rows(run_together([session_statement(pk, lock=True)])[0])


def read_session(pk: int) -> Session:
    """A session with its rule, facility and unit, without locking it: a booking checks
    its rules against this copy and takes the place last, with `claim_statement`."""
    return session_from_rows(run_together([session_statement(pk, lock=False)])[0])


def session_statement(pk: int, *, lock: bool) -> Statement:
    return select_with_related(Session, pk, related=SESSION_RELATED, lock=lock)


def session_from_rows(rows: Rows | None) -> Session:
    session = instance_with_related(Session, rows, related=SESSION_RELATED)
    if session is None:
        raise NotFound(_("We could not find that session."))
    return session


_SESSION_TABLE = Session._meta.db_table


def claim_statement(session: Session) -> Statement:
    """Take one place of a session read without its lock, if it is still as read: open,
    not full, at the same times (see `place_claimed`; if not, the caller decides again
    under the lock).

    One UPDATE: it waits for whoever holds the session's row and re-checks the condition,
    so the check and the taking cannot be split by another booking; the database's check
    constraint still guards the count. The row stays locked from here to COMMIT."""
    sql = (
        f"UPDATE {_SESSION_TABLE} SET held = held + 1"  # noqa: S608 (table from metadata)
        " WHERE id = %s AND held < capacity AND status = %s AND starts_at = %s"
        " AND ends_at = %s RETURNING held"
    )
    adapt = connection.ops.adapt_datetimefield_value
    return Statement(sql, [session.pk, str(session.status), adapt(session.starts_at),
                           adapt(session.ends_at)])


def place_claimed(session: Session, rows: Rows | None) -> bool:
    """Whether `claim_statement` took the place (the session's count is then updated)."""
    if not rows:
        return False
    ((session.held,),) = rows
    announce_places(session)
    return True


def change_held(session: Session, delta: int) -> None:
    """Move the session's place counter; the caller holds the session lock. Plain SQL: this
    runs on every booking, and the database's check constraint still guards the count."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_SESSION_TABLE} SET held = held + %s WHERE id = %s",  # noqa: S608
            [delta, session.pk],
        )
    session.held += delta
    announce_places(session)


def announce_places(session: Session) -> None:
    """Tell open session lists the new number of places (public: no personal data)."""
    publish_topic_after_commit(
        topic=f"facility.{session.facility_id}.places",
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
    **fields: object,
) -> str:
    """Move a booking to `to` only if it is still in one of `allowed_from` (compare-and-swap).

    Returns the old status. Zero rows changed means someone else moved it first: Conflict.
    """
    allowed = list(allowed_from)
    old = booking.status
    changed = Booking.objects.filter(pk=booking.pk, status__in=allowed).update(
        status=to, reason=reason or booking.reason, updated_at=timezone.now(), **fields
    )
    if not changed:
        booking.refresh_from_db(fields=["status"])
        raise Conflict(
            _("This booking is %(status)s now, so it cannot be changed that way.")
            % {"status": BookingStatus(booking.status).label.lower()},
            code="wrong_status",
        )
    booking.status = to
    for name, value in fields.items():
        setattr(booking, name, value)
    BookingStatusChange.objects.create(
        booking=booking, from_status=old, to_status=to, actor=actor, reason=reason
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
        "reason": booking.reason,
    }


def local_when(session: Session) -> str:
    local = session.starts_at.astimezone(session.facility.tz)
    return local.strftime("%a %Y-%m-%d %H:%M")


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
    event_emit(type=type, title=title, recipients=[user_model(pk=pk) for pk in languages],
               data=booking_event_data(booking), urgent=urgent, external=external,
               languages=languages)


_LIAISON_LANGUAGES = (
    f"SELECT l.user_id, p.language FROM {Liaison._meta.db_table} l"  # noqa: S608
    f" LEFT JOIN {Preference._meta.db_table} p ON p.user_id = l.user_id"
    " WHERE l.facility_id = "
)


def liaison_languages(facility_id: int) -> dict[int, str | None]:
    """The facility's liaisons (user ids) with the language each chose, if any. One plain
    query: every booking request tells them."""
    (rows,) = run_together([Statement(_LIAISON_LANGUAGES + "%s", [facility_id])])
    return dict(rows or [])


def session_liaison_languages_statement(session_id: int) -> Statement:
    """`liaison_languages` of a session's facility, to send along with the session's read."""
    facility = f"(SELECT facility_id FROM {_SESSION_TABLE} WHERE id = %s)"  # noqa: S608
    return Statement(_LIAISON_LANGUAGES + facility, [key_param(Session, session_id)])  # noqa: S608 (metadata)


def now() -> dt.datetime:
    return timezone.now()


def check_reason_fits(reason: str, model: type, field: str = "reason") -> None:
    """Refuse a reason longer than the column that keeps it, as a clear InvalidInput;
    PostgreSQL would otherwise fail the whole write (a 500) where SQLite quietly stores it."""
    limit = model._meta.get_field(field).max_length
    if len(reason.strip()) > limit:
        raise InvalidInput(fields={"reason": [
            _("Keep the reason to %(limit)d characters or fewer.") % {"limit": limit}]})
