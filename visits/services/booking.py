"""A family's writes: book, join the waiting list, accept or pass an offer, cancel.

Lock order, everywhere: household, then resident, then session (by primary key within a
kind). Booking needs all three: the household for its visitors and idempotency key, the
resident for the quota across sessions, the session for its places. A booking takes the
session's row last and briefly: it checks against an unlocked read and claims the place
with one guarded UPDATE after writing its own rows (see `booking_create`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError
from django.db.models import Exists
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.text import Text, moment
from scheduler.errors import Conflict, DomainError, InvalidInput, NotFound
from visits.access import (
    BOOKING_RELATED,
    booking_of_household,
    household_of,
    lock_household_of,
    not_a_caregiver,
)
from visits.facts import (
    draft_for,
    household_and_visitor_facts,
    household_visitor_facts,
    session_facts,
)
from visits.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    BookingStatusChange,
    BookingVisitor,
    Household,
    Resident,
    Session,
    SessionStatus,
)
from visits.rules import VisitorFacts, booking_window, check_booking
from visits.services.common import (
    SESSION_RELATED,
    announce_roster,
    change_held,
    check_reason_fits,
    claim_place,
    liaison_languages,
    local_when,
    lock_household,
    lock_resident,
    lock_session,
    locked_transaction,
    now,
    raise_violations,
    read_session,
    session_moment,
    tell_household,
    tell_liaisons,
    transition,
)
from visits.services.rounds import first_come_check


@dataclass(frozen=True)
class SupportNeeds:
    """What the family asks the facility to have ready: checked by `support_check`."""

    wheelchair: bool = False
    interpreter_language: str = ""  # e.g. "Spanish", "ASL"; empty: no interpreter
    note: str = ""


SUPPORT_TEXT_LIMITS = {"interpreter_language": 60, "note": 300}


def support_check(support: SupportNeeds) -> SupportNeeds:
    """The needs with their text trimmed; InvalidInput naming a field that is too long."""
    fields = {}
    for name, limit in SUPPORT_TEXT_LIMITS.items():
        if len(getattr(support, name).strip()) > limit:
            fields[name] = [_("Keep this to %(limit)d characters or fewer.") % {"limit": limit}]
    if fields:
        raise InvalidInput(fields=fields)
    return SupportNeeds(wheelchair=support.wheelchair,
                        interpreter_language=support.interpreter_language.strip(),
                        note=support.note.strip())


class SessionFull(Conflict):
    code = "session_full"

    def __init__(self) -> None:
        super().__init__(
            _("This session is full. You can join its waiting list."),
            extra={"can_join_waitlist": True},
        )


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    created: bool  # False when an Idempotency-Key retry returned the first result


def _check_own_visitors(visitors: list[VisitorFacts], visitor_ids: list[int]) -> None:
    """The visitor query leaves out people of other households: a shorter answer means
    someone asked for a stranger."""
    if len(visitors) != len(set(visitor_ids)):
        raise InvalidInput(
            _("Choose visitors from your own household."),
            fields={"visitor_ids": [_("One or more of these people are not in your household.")]},
        )


def _earlier_booking(
    actor: AbstractBaseUser, key: str | None, session_id: int, resident_id: int
) -> Booking | None:
    """The booking an earlier request with this Idempotency-Key made, if any; Conflict if
    that one was for another visit.

    Asked only after an attempt failed: a first attempt (nearly every one) pays no query for
    it. A repeat is refused by the checks (the visit is already booked) or, if the first
    booking has ended since, by the key's unique constraint; either way it lands here,
    after the rollback, and reads what the first attempt committed.

    A slim query first: most failures with a key are first attempts refused (a full
    session), and the booking with all it refers to is a join of ten tables."""
    if not key:
        return None
    found = (
        Booking.objects.filter(household__caregiver_id=actor.pk, idempotency_key=key)
        .order_by("pk").values_list("pk", "session_id", "resident_id").first()
    )
    if found is None:
        return None
    earlier_pk, earlier_session_id, earlier_resident_id = found
    if (earlier_session_id, earlier_resident_id) != (session_id, resident_id):
        raise Conflict(
            _("This Idempotency-Key was already used for a different booking; use a new key."),
            code="idempotency_key_reused",
        )
    return Booking.objects.select_related(*BOOKING_RELATED).get(pk=earlier_pk)


@dataclass(frozen=True)
class _Gathered:
    """What one booking attempt reads before deciding, and the locks it holds."""

    household: Household
    visitors: list[VisitorFacts]
    resident: Resident
    session: Session
    liaison_languages: dict[int, str | None]


def _read_session_refusing_if_full(
    actor: AbstractBaseUser, session_id: int, *, waitlist_if_full: bool,
) -> Session:
    """The session, read without a lock before anything else. In a rush most families ask
    for a session that is already full: they are told so by this one query, without
    waiting for any lock. The same query asks whether the asker keeps a household, so that
    anyone else is refused as before, not told about places.

    Called before the booking's transaction begins: a refusal then costs this one round
    trip, without a BEGIN and a ROLLBACK around it."""
    try:
        session = (
            Session.objects.select_related(*SESSION_RELATED)
            .annotate(asker_keeps_household=Exists(
                Household.objects.filter(caregiver_id=actor.pk)))
            .get(pk=session_id)  # by key: no ORDER BY to build or sort
        )
    except Session.DoesNotExist:
        raise NotFound(_("We could not find that session.")) from None
    if not session.asker_keeps_household:
        raise not_a_caregiver()
    # A closed session is told as closed by the checks, which say why.
    open_but_full = session.status == SessionStatus.OPEN and session.held >= session.capacity
    if open_but_full and not waitlist_if_full:
        raise SessionFull()
    return session


def _gather(
    actor: AbstractBaseUser, *, session_id: int, resident_id: int, visitor_ids: list[int],
    unlocked_session: Session | None,
) -> _Gathered:
    """Lock the household, then the resident (and the session, unless it was read without
    its lock before the transaction: `unlocked_session`), and read the rest, in the lock
    order every write keeps."""
    household, visitors = _household_and_visitors(actor, resident_id, visitor_ids,
                                                  lock=True)
    resident = lock_resident(resident_id)
    session = lock_session(session_id) if unlocked_session is None else unlocked_session
    return _Gathered(
        household=household, visitors=visitors, resident=resident, session=session,
        liaison_languages=liaison_languages(session.facility_id),
    )


def _household_and_visitors(
    actor: AbstractBaseUser, resident_id: int, visitor_ids: list[int], *, lock: bool,
) -> tuple[Household, list[VisitorFacts]]:
    """The household (locked, with `lock`) and the chosen visitors: one query when it finds
    every one of them in her household (and, with `lock`, her household's row free).
    Otherwise the long way (the household, waiting for its lock, then the visitors), which
    says what is wrong: not a caregiver, or strangers chosen. A short answer takes the long
    way too: SKIP LOCKED decides row by row, so a lock released between two rows leaves
    out the first (the long way then reads them all, under the lock)."""
    found = household_and_visitor_facts(
        caregiver_id=actor.pk, resident_id=resident_id, visitor_ids=visitor_ids, lock=lock)
    if found is None or len(found[1]) != len(set(visitor_ids)):
        household = lock_household_of(actor) if lock else household_of(actor)
        visitors = household_visitor_facts(household_id=household.pk, resident_id=resident_id,
                                           visitor_ids=visitor_ids)
    else:
        household, visitors = found
    _check_own_visitors(visitors, visitor_ids)
    return household, visitors


class _PlaceGone(Exception):
    """The place seen on the unlocked read was gone (or the session changed) at the claim."""


def booking_create(
    *,
    actor: AbstractBaseUser,
    session_id: int,
    resident_id: int,
    visitor_ids: list[int],
    idempotency_key: str | None = None,
    waitlist_if_full: bool = False,
    support: SupportNeeds | None = None,
) -> BookingResult:
    """Book a place (status requested), or a waiting-list spot when asked and full, with
    the support the family needs (wheelchair, interpreter, a note) for the roster.

    Raises NotPermitted, NotFound, InvalidInput, RuleViolation (every broken rule at once),
    SessionFull, Conflict (key reused), RoundInProgress (the session's places go out by a
    request round), Busy (lock wait too long).

    Locks the household and the resident rows, then takes the place with one guarded
    UPDATE of the session after the booking's rows are written: under a rush for one session,
    every family's checks run side by side and the session's row is held only for that
    last step. A family who asked for a full session is told so without any lock. If the
    place went in between (or the session changed), the whole attempt is rolled back and
    decided again with the session locked first, which gives the exact answer.
    """
    request = {
        "actor": actor, "session_id": session_id, "resident_id": resident_id,
        "visitor_ids": visitor_ids, "idempotency_key": idempotency_key,
        "waitlist_if_full": waitlist_if_full,
        "support": support_check(support or SupportNeeds()),
    }
    try:
        return _create_deciding_again_if_the_place_went(request)
    except (DomainError, IntegrityError):
        earlier = _earlier_booking(actor, idempotency_key, session_id, resident_id)
        if earlier is None:
            raise
        return BookingResult(earlier, created=False)


def _create_deciding_again_if_the_place_went(request: dict) -> BookingResult:
    try:
        return _create(**request, session_locked=False)
    except _PlaceGone:
        return _create(**request, session_locked=True)


def booking_check(
    *,
    actor: AbstractBaseUser,
    session_id: int,
    resident_id: int,
    visitor_ids: list[int],
    support: SupportNeeds | None = None,
) -> SupportNeeds:
    """The checks `booking_create` makes, without writing or locking: for the family's
    "check your answers" step, so a visit the rules refuse is told on the form she can fix,
    not after she has read her answers. A full session is not refused here (she is offered
    its waiting list). `booking_create` checks everything again under its locks.

    Raises NotPermitted, NotFound, InvalidInput, RuleViolation, RoundInProgress. Returns the
    support needs trimmed, as they will be saved.
    """
    checked = support_check(support or SupportNeeds())
    _, visitors = _household_and_visitors(actor, resident_id, visitor_ids, lock=False)
    resident = Resident.objects.filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("We could not find that person."))
    session = read_session(session_id)
    _check_session_serves(session, resident)
    first_come_check(session, now())
    draft = draft_for(session=session, resident_id=resident_id, visitors=visitors, now=now())
    raise_violations(check_booking(draft))
    return checked


def _create(
    *,
    actor: AbstractBaseUser,
    session_id: int,
    resident_id: int,
    visitor_ids: list[int],
    idempotency_key: str | None,
    waitlist_if_full: bool,
    session_locked: bool,
    support: SupportNeeds,
) -> BookingResult:
    """One attempt. With `session_locked`, the session row is locked before the checks
    (the waiting list needs that: it must not miss a place freed meanwhile); without, it is
    read before the transaction begins, and a full one is refused there."""
    unlocked_session = None if session_locked else _read_session_refusing_if_full(
        actor, session_id, waitlist_if_full=waitlist_if_full)
    with locked_transaction():
        gathered = _gather(actor, session_id=session_id, resident_id=resident_id,
                           visitor_ids=visitor_ids, unlocked_session=unlocked_session)
        household, visitors = gathered.household, gathered.visitors
        resident, session = gathered.resident, gathered.session
        _check_session_serves(session, resident)
        resident.facility = session.facility  # the same row, checked just above
        first_come_check(session, now())
        draft = draft_for(session=session, resident_id=resident_id, visitors=visitors, now=now())
        raise_violations(check_booking(draft))
        if session.held >= session.capacity:
            if not waitlist_if_full:
                raise SessionFull()
            if not session_locked:
                raise _PlaceGone  # join the waiting list only under the session's lock
        booking = _insert(session, resident, household, visitors, idempotency_key, actor,
                          session_locked=session_locked,
                          liaison_languages=gathered.liaison_languages, support=support)
    return BookingResult(booking, created=True)


def _check_session_serves(session: Session, resident: Resident) -> None:
    """A session is for the residents of its facility (and of its unit, if it has one);
    anything else would put a stranger on another facility's roster."""
    if session.facility_id != resident.facility_id or (
        session.unit_id is not None and session.unit_id != resident.unit_id
    ):
        raise InvalidInput(
            _("This session is not one where this person can be visited."),
            fields={"session_id": [_("Choose one of the sessions offered for this person.")]},
        )
    if session.closed_for(resident.unit_id):
        raise InvalidInput(
            _("The facility has closed this person's unit to visits on that day."),
            fields={"session_id": [_("Choose another day.")]},
        )


def _insert(
    session: Session,
    resident: Resident,
    household: Household,
    visitors: list[VisitorFacts],
    key: str | None,
    actor: AbstractBaseUser,
    *,
    session_locked: bool,
    liaison_languages: dict[int, str | None],
    support: SupportNeeds,
) -> Booking:
    has_place = session.held < session.capacity
    status = BookingStatus.REQUESTED if has_place else BookingStatus.WAITLISTED
    if has_place and session_locked:
        change_held(session, +1)
    booking = Booking.objects.create(
        session=session, resident=resident, household=household,
        status=status, idempotency_key=key, needs_wheelchair=support.wheelchair,
        interpreter_language=support.interpreter_language, support_note=support.note,
    )
    BookingVisitor.objects.bulk_create(
        [BookingVisitor(booking=booking, visitor_id=v.id) for v in visitors])
    BookingStatusChange.objects.create(
        booking=booking, from_status="", to_status=status, actor_id=actor.pk)
    # Read without the lock, the place is claimed last: the session's row is then held
    # only from here to COMMIT.
    if has_place and not session_locked and not claim_place(session):
        raise _PlaceGone  # rolls back everything above
    # The caller answers with these; keep them on the booking so no query fetches them again.
    booking.session = session
    booking.household = household
    booking.resident = resident
    booking.booked_visitors = visitors  # their ids and first names, for the answer
    if has_place:
        # Requests reach staff on the roster page and in the inbox, not one email per family.
        tell_liaisons(booking, type="visits.booking.requested",
                      title=Text(gettext_noop("New booking request")), external=False,
                      languages=liaison_languages)
    else:
        announce_roster(session)  # a family joined the waiting list
    return booking


def booking_cancel(*, actor: AbstractBaseUser, booking_id: int, reason: str = "") -> Booking:
    """The family cancels (until the rule's deadline) or leaves the waiting list.

    Raises NotFound, Conflict (too late, or already ended). Locks the session; a freed
    place is offered to the first family on the waiting list.
    """
    check_reason_fits(reason, Booking)
    booking = booking_of_household(actor, booking_id)
    with locked_transaction():
        session = lock_session(booking.session_id)
        _refresh_status(booking)
        booking.session = session
        if booking.status in HOLDING_STATUSES:
            _check_cancel_deadline(session)
        old = transition(
            booking, to=BookingStatus.CANCELLED, actor=actor,
            allowed_from=[*HOLDING_STATUSES, BookingStatus.WAITLISTED],
            # The message id, not the actor's language: each reader sees it in hers.
            reason=reason or gettext_noop("Cancelled by the family"),
        )
        if old in HOLDING_STATUSES:
            release_place(session)
        tell_liaisons(booking, type="visits.booking.cancelled",
                      title=Text(gettext_noop("A family cancelled")), urgent=True)
    return booking


def _refresh_status(booking: Booking) -> None:
    """Read the booking's state again under the session's lock (it was read before the lock
    was taken); the people and places it refers to never change, so they stay loaded."""
    booking.refresh_from_db(fields=["status", "reason", "offer_expires_at", "updated_at"])


def _check_cancel_deadline(session: Session) -> None:
    deadline = session.starts_at - dt.timedelta(hours=session.rule.cancel_hours_before)
    if now() >= deadline:
        phone = session.facility.phone
        message = (_("It is too late to cancel online; please call the facility at %(phone)s.")
                   % {"phone": phone}) if phone else _(
            "It is too late to cancel online; please call the facility.")
        raise Conflict(message, code="cancel_deadline_passed",
                       extra={"phone": phone} if phone else None)


def release_place(session: Session) -> None:
    """Give back one place (the caller holds the session lock) and offer it onwards."""
    change_held(session, -1)
    offer_next_place(session)


def offer_next_place(session: Session) -> Booking | None:
    """Offer a free place to the first family waiting, until the offer deadline.

    The place is held for them (status offered) so nobody else takes it meanwhile.
    """
    if session.held >= session.capacity or session.status != "open":
        return None
    _opens, closes = booking_window(session_facts(session))  # not `_`: that is gettext
    if now() >= closes:
        return None
    waiting = (
        Booking.objects.filter(session=session, status=BookingStatus.WAITLISTED)
        .select_related("household__caregiver", "resident")
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        return None
    expires = min(now() + dt.timedelta(hours=settings.WAITLIST_OFFER_HOURS), closes)
    waiting.session = session
    transition(
        waiting, to=BookingStatus.OFFERED, allowed_from=[BookingStatus.WAITLISTED],
        actor=None, offer_expires_at=expires,
    )
    change_held(session, +1)
    tell_household(
        waiting, type="visits.booking.offered",
        title=Text(gettext_noop("A place opened up for you")),
        body=Text(
            gettext_noop(
                "The visit to %(name)s on %(visit)s has a place for you. Accept it in "
                "“My visits” before %(when)s (facility time) or it goes to the next family."
            ),
            {"name": waiting.resident.first_name, "visit": session_moment(session),
             "when": moment(expires, session.facility.time_zone)},
        ),
    )
    return waiting


def offer_accept(*, actor: AbstractBaseUser, booking_id: int) -> Booking:
    """Take the offered place: the booking becomes a request, if every rule still holds.

    Raises NotFound, Conflict (no live offer), RuleViolation.
    """
    booking = booking_of_household(actor, booking_id)
    with locked_transaction():
        lock_household(booking.household_id)
        lock_resident(booking.resident_id)
        session = lock_session(booking.session_id)
        _refresh_status(booking)
        if booking.status == BookingStatus.OFFERED and booking.offer_expires_at <= now():
            raise Conflict(_("This offer has expired."), code="offer_expired")
        visitors = list(booking.visitors.all())
        draft = draft_for(
            session=session, resident_id=booking.resident_id, visitors=visitors,
            now=now(), exclude_booking_id=booking.pk,
        )
        raise_violations(check_booking(draft))
        booking.session = session
        transition(booking, to=BookingStatus.REQUESTED, allowed_from=[BookingStatus.OFFERED],
                   actor=actor, offer_expires_at=None)
        # Requests reach staff on the roster page and in the inbox, not one email per family.
        tell_liaisons(booking, type="visits.booking.requested",
                      title=Text(gettext_noop("New booking request")), external=False)
    return booking


def offer_pass(*, actor: AbstractBaseUser, booking_id: int) -> Booking:
    """Let the offered place go to the next family. Raises NotFound, Conflict."""
    booking = booking_of_household(actor, booking_id)
    with locked_transaction():
        session = lock_session(booking.session_id)
        booking.session = session
        transition(booking, to=BookingStatus.CANCELLED, allowed_from=[BookingStatus.OFFERED],
                   actor=actor, reason=gettext_noop("The family let the offered place go"))
        release_place(session)
    return booking


def offers_expire() -> int:
    """Turn offers past their deadline into cancellations and offer the place onwards."""
    expired = 0
    due = Booking.objects.filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now())
    for booking_id, session_id in due.values_list("pk", "session_id").order_by("session_id"):
        with locked_transaction():
            session = lock_session(session_id)
            booking = Booking.objects.select_related("household__caregiver", "resident").get(
                pk=booking_id
            )
            if booking.status != BookingStatus.OFFERED or booking.offer_expires_at > now():
                continue
            booking.session = session
            transition(booking, to=BookingStatus.CANCELLED, allowed_from=[BookingStatus.OFFERED],
                       actor=None, reason=gettext_noop("The offer expired"))
            tell_household(booking, type="visits.booking.offer_expired",
                           title=Text(gettext_noop("The offered place has expired")),
                           body=local_when(session))
            release_place(session)
            expired += 1
    return expired
