"""A liaison's writes: confirm, decline, check in, no-show, close a session, open a closure."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.services import event_emit
from notifications.text import Text
from scheduler.errors import Conflict, InvalidInput, NotFound
from scheduler.inputs import MAX_CLOSURE_DAYS
from visits.access import booking_of_facility, facility_of_liaison
from visits.calendar import local_date, local_midnight_utc
from visits.models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    ApprovalAudit,
    ApprovalStatus,
    ApprovedVisitor,
    Booking,
    BookingStatus,
    Closure,
    Facility,
    HousingUnit,
    Session,
    SessionStatus,
)
from visits.reasons import (
    ApplicationReason,
    ClosureReason,
    DeclineReason,
    reason_check,
    reason_message,
)
from visits.services.booking import release_place
from visits.services.common import (
    announce_places,
    announce_roster,
    local_when,
    lock_session,
    locked_transaction,
    now,
    session_moment,
    tell_household,
    tell_liaisons,
    transition,
)


def _liaison_booking(actor: AbstractBaseUser, booking_id: int) -> Booking:
    return booking_of_facility(actor, booking_id)


def booking_confirm(*, actor: AbstractBaseUser, booking_id: int) -> Booking:
    """Confirm a requested booking. Raises NotPermitted, NotFound, Conflict."""
    booking = _liaison_booking(actor, booking_id)
    with locked_transaction():
        transition(booking, to=BookingStatus.CONFIRMED, allowed_from=[BookingStatus.REQUESTED],
                   actor=actor)
        tell_household(booking, type="visits.booking.confirmed",
                       title=Text(gettext_noop("Your visit is confirmed")),
                       body=local_when(booking.session))
    return booking


def booking_decline(*, actor: AbstractBaseUser, booking_id: int, reason_code: str = "",
                    reason: str = "") -> Booking:
    """Decline a request with a reason the family will read: a `DeclineReason` code and
    the liaison's note as typed (a note alone is kept as "other"). The place goes onwards.

    Raises InvalidInput (no reason, an unknown code, "other" without a note), NotPermitted,
    NotFound, Conflict. Locks the session.
    """
    code, note = reason_check(DeclineReason, reason_code, reason,
                              limit=Booking._meta.get_field("reason").max_length)
    booking = _liaison_booking(actor, booking_id)
    with locked_transaction():
        session = lock_session(booking.session_id)
        booking.session = session
        transition(booking, to=BookingStatus.DECLINED,
                   allowed_from=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED],
                   actor=actor, reason=note, reason_code=code)
        release_place(session)
        tell_household(booking, type="visits.booking.declined",
                       title=Text(gettext_noop("Your visit was declined")),
                       body=reason_message(code, note), urgent=True)
    return booking


def _check_on_the_day(booking: Booking) -> None:
    session = booking.session
    tz = session.facility.time_zone
    if local_date(now(), tz) != local_date(session.starts_at, tz):
        raise Conflict(_("Families can only be checked in on the day of their visit."),
                       code="not_visit_day")


def booking_check_in(*, actor: AbstractBaseUser, booking_id: int) -> Booking:
    """Mark the family as arrived, on the day of the visit. Raises Conflict otherwise."""
    booking = _liaison_booking(actor, booking_id)
    _check_on_the_day(booking)
    with locked_transaction():
        transition(booking, to=BookingStatus.CHECKED_IN,
                   allowed_from=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED], actor=actor)
        tell_liaisons(booking, type="visits.booking.checked_in",
                      title=Text(gettext_noop("Family checked in")))
    return booking


def booking_mark_no_show(*, actor: AbstractBaseUser, booking_id: int) -> Booking:
    """Mark that nobody came, once the session has started."""
    booking = _liaison_booking(actor, booking_id)
    if now() < booking.session.starts_at:
        raise Conflict(_("A no-show can only be marked after the session starts."),
                       code="too_early")
    with locked_transaction():
        transition(booking, to=BookingStatus.NO_SHOW,
                   allowed_from=[BookingStatus.REQUESTED, BookingStatus.CONFIRMED], actor=actor)
    return booking


# What a check-in or a no-show can be undone to: the state the booking had before it.
UNDOABLE = (BookingStatus.CHECKED_IN, BookingStatus.NO_SHOW)


def booking_undo_arrival(*, actor: AbstractBaseUser, booking_id: int) -> Booking:
    """Take back a check-in or a no-show tapped by mistake: the booking returns to the
    state it had before (requested or confirmed), as its history records it.

    Raises NotPermitted, NotFound, Conflict (nothing to undo, or changed meanwhile).
    Places and quotas are unchanged: both states hold the place and count alike.
    """
    booking = _liaison_booking(actor, booking_id)
    if booking.status not in UNDOABLE:
        raise Conflict(_("There is no check-in or no-show to undo on this booking."),
                       code="nothing_to_undo")
    last = booking.history.filter(to_status=booking.status).order_by("-at", "-id").first()
    back_to = last.from_status if last and last.from_status in (
        BookingStatus.REQUESTED, BookingStatus.CONFIRMED) else BookingStatus.CONFIRMED
    with locked_transaction():
        transition(booking, to=back_to, allowed_from=[booking.status], actor=actor)
        announce_roster(booking.session)
    return booking


def _cancel_all_in(session: Session, *, actor: AbstractBaseUser, code: str, note: str) -> int:
    """Cancel every live booking of a locked session and tell each household."""
    bookings = list(
        Booking.objects.filter(session=session, status__in=LIVE_STATUSES)
        .select_related("household__caregiver", "resident")
    )
    for booking in bookings:
        booking.session = session
        transition(booking, to=BookingStatus.CANCELLED, allowed_from=LIVE_STATUSES,
                   actor=actor, reason=note, reason_code=code, offer_expires_at=None)
        _tell_visit_cancelled(booking, session, code=code, note=note)
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.CLOSED, close_reason_code=code, close_reason=note, held=0
    )
    session.status, session.close_reason_code, session.close_reason, session.held = (
        SessionStatus.CLOSED, code, note, 0)
    announce_places(session)
    return len(bookings)


def session_close(*, actor: AbstractBaseUser, session_id: int, reason_code: str = "",
                  reason: str = "") -> int:
    """Close one session (e.g. a lockdown): every booking cancelled with the reason (a
    `ClosureReason` code and the liaison's note as typed; a note alone is kept as "other").

    Returns how many bookings were cancelled. Raises NotPermitted, NotFound, InvalidInput,
    Conflict (already closed). Locks the session.
    """
    code, note = reason_check(ClosureReason, reason_code, reason,
                              limit=Session._meta.get_field("close_reason").max_length)
    facility = facility_of_liaison(actor)
    with locked_transaction():
        session = lock_session(session_id)
        if session.facility_id != facility.pk:
            raise NotFound(_("We could not find that session."))
        if session.status == SessionStatus.CLOSED:
            raise Conflict(_("This session is already closed."), code="already_closed")
        return _cancel_all_in(session, actor=actor, code=code, note=note)


def closure_create(
    *,
    actor: AbstractBaseUser,
    starts_on: dt.date,
    ends_on: dt.date,
    reason_code: str = "",
    reason: str = "",
    unit_ids: list[int] | None = None,
) -> tuple[Closure, int]:
    """Close the liaison's facility (or some units) for a date range, with a `ClosureReason`
    code and the liaison's note as typed (a note alone is kept as "other").

    Every session inside it is closed and its bookings cancelled with the reason; sessions
    made later for those days start closed. Returns the closure and how many bookings were
    cancelled. Raises NotPermitted, InvalidInput. Locks each affected session in id order.
    """
    facility = facility_of_liaison(actor)
    code, note = closure_check(starts_on, ends_on, reason, reason_code=reason_code)
    units = list(HousingUnit.objects.filter(facility=facility, pk__in=unit_ids or []))
    if unit_ids and len(units) != len(set(unit_ids)):
        raise InvalidInput(fields={"unit_ids": [_("Choose units of your own facility.")]})
    with locked_transaction():
        closure = Closure.objects.create(
            facility=facility, starts_on=starts_on, ends_on=ends_on, reason_code=code,
            reason=note)
        closure.units.set(units)
        closed = set(sessions_in_closure(closure).values_list("pk", flat=True))
        shared = set(shared_sessions_in_closure(closure).values_list("pk", flat=True))
        cancelled = 0
        for session_id in sorted(closed | shared):  # the lock order: by id
            session = lock_session(session_id)
            if session.status != SessionStatus.OPEN:
                continue
            if session_id in closed:
                cancelled += _cancel_all_in(session, actor=actor, code=code, note=note)
            else:
                cancelled += _close_units_in(session, units, actor=actor, code=code, note=note)
    return closure, cancelled


def _close_units_in(session: Session, units: list[HousingUnit], *, actor: AbstractBaseUser,
                    code: str, note: str) -> int:
    """A facility-wide session on a day some units are closed: it stays open for the other
    units, and the live bookings of the closed units' residents are cancelled (each
    household told, as when a session closes). The places they held go to the families
    waiting, as when a family cancels."""
    session.closed_units.add(*units)
    Session.objects.filter(pk=session.pk).update(has_closed_units=True)
    session.has_closed_units = True
    bookings = list(
        Booking.objects.filter(session=session, status__in=LIVE_STATUSES,
                               resident__unit__in=units)
        .select_related("household__caregiver", "resident")
    )
    freed = 0
    for booking in bookings:
        booking.session = session
        was = transition(booking, to=BookingStatus.CANCELLED, allowed_from=LIVE_STATUSES,
                         actor=actor, reason=note, reason_code=code, offer_expires_at=None)
        freed += was in HOLDING_STATUSES
        _tell_visit_cancelled(booking, session, code=code, note=note)
    for _place in range(freed):
        release_place(session)
    return len(bookings)


def _tell_visit_cancelled(booking: Booking, session: Session, *, code: str, note: str) -> None:
    tell_household(booking, type="visits.session.closed",
                   title=Text(gettext_noop("Your visit on %(when)s is cancelled"),
                              {"when": session_moment(session)}),
                   body=reason_message(code, note), urgent=True)


def closure_check(starts_on: dt.date, ends_on: dt.date, reason: str, *,
                  reason_code: str = "") -> tuple[str, str]:
    """The (code, note) to keep, or InvalidInput naming each field's problem; the page's
    preview asks it too."""
    fields = {}
    if ends_on < starts_on:
        fields["ends_on"] = [_("The last day must be on or after the first day.")]
    elif (ends_on - starts_on).days >= MAX_CLOSURE_DAYS:
        fields["ends_on"] = [_("A closure can last at most %(days)d days; open another one "
                               "after it.") % {"days": MAX_CLOSURE_DAYS}]
    why: tuple[str, str] = ("", "")
    try:
        why = reason_check(ClosureReason, reason_code, reason,
                           limit=Closure._meta.get_field("reason").max_length)
    except InvalidInput as error:
        fields.update(error.fields)
    if fields:
        raise InvalidInput(fields=fields)
    return why


def sessions_in_closure(closure: Closure):
    """The sessions a closure closes whole: all of the facility's on those days, or, for a
    closure of some units, those units' own sessions."""
    unit_ids = list(closure.units.values_list("pk", flat=True))
    return sessions_in_days(closure.facility, closure.starts_on, closure.ends_on, unit_ids)


def shared_sessions_in_closure(closure: Closure):
    """For a closure of some units, the facility-wide sessions of those days: they stay
    open for the other units (none for a closure of the whole facility)."""
    if not closure.units.exists():
        return Session.objects.none()
    return sessions_in_days(closure.facility, closure.starts_on, closure.ends_on, []).filter(
        unit__isnull=True)


def sessions_in_days(facility: Facility, starts_on: dt.date, ends_on: dt.date,
                     unit_ids: list[int]):
    """The facility's sessions on those local days (of those units; none: all of them).
    The closures page previews with it exactly what `closure_create` will close."""
    tz = facility.time_zone
    start = local_midnight_utc(starts_on, tz)
    end = local_midnight_utc(ends_on + dt.timedelta(days=1), tz)
    qs = Session.objects.filter(facility=facility, starts_at__gte=start, starts_at__lt=end)
    if unit_ids:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs.order_by("pk")


def approval_decide(
    *,
    actor: AbstractBaseUser,
    approval_id: int,
    status: str,
    expires_on: dt.date | None = None,
    guardian_consent_on_file: bool | None = None,
    reason_code: str = "",
    reason: str = "",
) -> ApprovedVisitor:
    """Approve, deny or revoke one visitor for one resident of the liaison's facility.
    Denying and revoking need a reason (`ApplicationReason` code and/or a note): the family
    reads it when an approval is withdrawn, and the decision is kept with who took it."""
    facility = facility_of_liaison(actor)
    if status not in ApprovalStatus.values:
        raise InvalidInput(fields={"status": [_("Choose approved, denied or revoked.")]})
    if expires_on and expires_on < local_date(now(), facility.time_zone):
        raise InvalidInput(fields={"expires_on": [_("The expiry date is in the past.")]})
    why = ("", "") if status == ApprovalStatus.APPROVED else reason_check(
        ApplicationReason, reason_code, reason,
        limit=ApprovalAudit._meta.get_field("reason").max_length)
    with locked_transaction():
        approval = ApprovedVisitor.objects.select_for_update(of=("self",)).select_related(
            "visitor__household__caregiver", "resident").filter(
            pk=approval_id, resident__facility=facility
        ).first()
        if approval is None:
            raise NotFound(_("We could not find that approval."))
        withdrawn = (approval.status == ApprovalStatus.APPROVED
                     and status == ApprovalStatus.REVOKED)
        approval.status = status
        approval.expires_on = expires_on
        if guardian_consent_on_file is not None:
            approval.guardian_consent_on_file = guardian_consent_on_file
        approval.decided_at = now()
        approval.save()
        ApprovalAudit.objects.create(
            approval=approval, actor=actor,
            actor_name=actor.get_full_name() or actor.get_username(), status=status,
            reason_code=why[0], reason=why[1])
        if withdrawn:
            _tell_approval_withdrawn(approval, why)
    return approval


# Events written before a withdrawal carried its reason hold these message ids: kept in the
# catalogue so they still read in each reader's language.
LEGACY_WITHDRAWN_BODIES = (
    gettext_noop("%(visitor)s may no longer visit %(name)s. The visits you booked with them "
                 "are flagged for the facility: please contact it."),
    gettext_noop("%(visitor)s may no longer visit %(name)s."),
)


def _tell_approval_withdrawn(approval: ApprovedVisitor, why: tuple[str, str]) -> None:
    """The family hears of it, with the facility's reason (the roster flags her coming
    visits on its own), warned urgently when a visit with that person is already booked."""
    visitor = approval.visitor
    booked = Booking.objects.filter(
        resident_id=approval.resident_id, status__in=LIVE_STATUSES,
        session__starts_at__gt=now(), visitors=visitor).exists()
    # The reason last: the facility's note may end without a full stop.
    body = (gettext_noop("%(visitor)s may no longer visit %(name)s. The visits you booked "
                         "with them are flagged for the facility: please contact it. %(why)s")
            if booked else
            gettext_noop("%(visitor)s may no longer visit %(name)s. %(why)s"))
    told = reason_message(*why)
    event_emit(type="visits.approval.revoked",
               title=Text(gettext_noop("Your approval to visit was withdrawn")),
               body=Text(body, {"visitor": visitor.first_name,
                                "name": approval.resident.first_name,
                                "why": told.as_json() if isinstance(told, Text) else told}),
               recipients=[visitor.household.caregiver],
               data={"approval_id": approval.pk}, urgent=booked)

