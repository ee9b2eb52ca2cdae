"""The write services: book, wait, offer, cancel, and the liaison's confirm/decline/close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Delivery, Event
from scheduler.errors import Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation
from tests import factories as f
from tests.conftest import World
from visits import services
from visits.models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    BookingStatusChange,
    BookingVisitor,
    Closure,
    Session,
    SessionStatus,
)

pytestmark = pytest.mark.django_db


def book(world: World, *, user=None, session=None, resident=None, visitors=None,
         **kwargs: object) -> services.BookingResult:
    return services.booking_create(
        actor=user or world.caregiver,
        session_id=(session or world.session).pk,
        resident_id=(resident or world.resident).pk,
        visitor_ids=[v.pk for v in (visitors if visitors is not None else world.family)],
        **kwargs,
    )


def held(session: Session) -> int:
    session.refresh_from_db()
    holding = Booking.objects.filter(session=session, status__in=HOLDING_STATUSES).count()
    assert session.held == holding, "the counter and the rows disagree"
    return session.held


def inbox_types(user) -> list[str]:
    return list(Delivery.objects.filter(user=user).order_by("event_id")
                .values_list("event__type", flat=True))


def status_of(booking: Booking) -> str:
    booking.refresh_from_db()
    return booking.status


def other_family(world: World, name: str = "Ana"):
    """Another household with its own resident in the same facility, approved."""
    household = f.make_household(adult_first_name=name)
    resident = f.make_resident(world.facility, unit=world.unit_a, first_name=f"{name}'s son")
    f.approve(household.visitors.all(), resident)
    return household, resident


def book_for(world: World, household, resident, session=None, **kwargs: object):
    return book(world, user=household.caregiver, resident=resident, session=session,
                visitors=f.adults(household), **kwargs).booking


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Booking, BookingVisitor, BookingStatusChange, Event, Delivery, Closure)}


# --- booking_create ---------------------------------------------------------------------


def test_booking_is_requested_holds_a_place_and_tells_the_liaison(world: World) -> None:
    result = book(world)
    booking = result.booking
    assert result.created
    assert (status_of(booking), booking.household, booking.resident) == (
        BookingStatus.REQUESTED, world.household, world.resident)
    assert set(booking.visitors.all()) == set(world.family)
    assert held(world.session) == 1
    assert list(booking.history.values_list("to_status", flat=True)) == ["requested"]
    assert inbox_types(world.liaison) == ["visits.booking.requested"]
    assert inbox_types(world.other_liaison) == []


def test_refused_booking_lists_every_broken_rule_and_writes_nothing(world: World) -> None:
    world.rule.max_children = 0
    world.rule.save()
    before = rows()
    with pytest.raises(RuleViolation) as refused:
        book(world, visitors=[world.sofia])  # a child alone, and no children allowed
    error = refused.value
    assert error.status == 422
    assert sorted(v["code"] for v in error.extra["violations"]) == [
        "child_without_adult", "too_many_children"]
    assert len(error.fields["visitor_ids"]) == 2
    assert rows() == before
    assert held(world.session) == 0


def test_a_failure_after_the_insert_rolls_everything_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from visits.services import booking as booking_module

    real = booking_module.tell_liaisons

    def tell_then_fail(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)
        raise RuleViolation("the database said no")

    monkeypatch.setattr(booking_module, "tell_liaisons", tell_then_fail)
    before = rows()
    with pytest.raises(RuleViolation):
        book(world)
    assert rows() == before
    assert held(world.session) == 0


def test_full_session_says_so_and_offers_the_waiting_list(world: World) -> None:
    f.fill(world.session, world.facility, world.session.capacity)
    before = rows()
    with pytest.raises(services.SessionFull) as full:
        book(world)
    assert (full.value.status, full.value.code) == (409, "session_full")
    assert full.value.as_dict()["can_join_waitlist"] is True
    assert rows() == before

    result = book(world, waitlist_if_full=True)
    assert status_of(result.booking) == BookingStatus.WAITLISTED
    assert held(world.session) == world.session.capacity


def test_waitlist_flag_books_straight_away_when_a_place_is_free(world: World) -> None:
    result = book(world, waitlist_if_full=True)
    assert status_of(result.booking) == BookingStatus.REQUESTED
    assert held(world.session) == 1


def test_only_household_members_can_be_brought(world: World) -> None:
    with pytest.raises(InvalidInput) as wrong:
        book(world, visitors=[world.rosa, f.adults(world.other_household)[0]])
    assert "visitor_ids" in wrong.value.fields
    assert Booking.objects.count() == 0


def test_only_strangers_chosen_are_refused_as_strangers(world: World) -> None:
    """No visitor of her own comes back from the query that locks her household: the long
    way (lock, then read) says what is wrong, as it does for a mix."""
    with pytest.raises(InvalidInput) as wrong:
        book(world, visitors=f.adults(world.other_household))
    assert wrong.value.message == "Choose visitors from your own household."
    assert "visitor_ids" in wrong.value.fields
    assert Booking.objects.count() == 0


def test_the_check_before_booking_refuses_strangers_and_other_accounts_alike(
    world: World,
) -> None:
    def check(user, visitors):
        return services.booking_check(actor=user, session_id=world.session.pk,
                                      resident_id=world.resident.pk,
                                      visitor_ids=[v.pk for v in visitors])

    stranger = f.adults(world.other_household)[0]
    for visitors in ([stranger], [world.rosa, stranger]):
        with pytest.raises(InvalidInput) as wrong:
            check(world.caregiver, visitors)
        assert wrong.value.message == "Choose visitors from your own household."
    for user in (world.liaison, world.coordinator):
        with pytest.raises(NotPermitted):
            check(user, [world.rosa])
    assert check(world.caregiver, world.family) == services.SupportNeeds()


def test_the_booking_answers_with_the_households_whole_row(world: World) -> None:
    booking = book(world).booking
    household = booking.household  # read with the visitors, in the query that locks it
    assert household.get_deferred_fields() == set()
    assert (household.pk, household.name, household.caregiver_id) == (
        world.household.pk, world.household.name, world.caregiver.pk)
    assert [v.first_name for v in booking.booked_visitors] == [
        v.first_name for v in sorted(world.family, key=lambda v: (v.date_of_birth, v.pk))]


def test_only_a_caregiver_can_book(world: World) -> None:
    for user in (world.liaison, world.coordinator, world.driver):
        with pytest.raises(NotPermitted):
            book(world, user=user)
    assert Booking.objects.count() == 0


def test_unknown_session_or_resident_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        services.booking_create(actor=world.caregiver, session_id=999_999,
                                resident_id=world.resident.pk, visitor_ids=[world.rosa.pk])
    with pytest.raises(NotFound):
        services.booking_create(actor=world.caregiver, session_id=world.session.pk,
                                resident_id=999_999, visitor_ids=[world.rosa.pk])


def test_a_resident_is_only_booked_into_sessions_that_serve_her(world: World) -> None:
    """Maria lives in Unit A of Lakeview: not High Desert's sessions, not Unit B's."""
    elsewhere = f.make_session(f.make_rule(world.other_facility))
    unit_b = f.make_session(f.make_rule(world.facility, unit=world.unit_b))
    for session in (elsewhere, unit_b):
        with pytest.raises(InvalidInput) as wrong:
            book(world, session=session)
        assert "session_id" in wrong.value.fields
    assert Booking.objects.count() == 0
    unit_a = f.make_session(f.make_rule(world.facility, unit=world.unit_a))
    assert status_of(book(world, session=unit_a).booking) == BookingStatus.REQUESTED


def test_quota_is_counted_from_rows_across_sessions(world: World) -> None:
    world.rule.weekly_quota = 1
    world.rule.save()
    tuesday = f.make_session(world.rule, starts_at=f.next_local_tuesday(14))
    first = book(world, session=tuesday).booking
    # Wednesday of the same week (the week runs Monday to Sunday on the facility's clock).
    later = f.make_session(world.rule, starts_at=tuesday.starts_at + dt.timedelta(days=1))
    with pytest.raises(RuleViolation) as refused:
        book(world, session=later, visitors=[world.rosa])
    assert [v["code"] for v in refused.value.extra["violations"]] == ["weekly_quota"]
    services.booking_cancel(actor=world.caregiver, booking_id=first.pk)
    assert status_of(book(world, session=later).booking) == BookingStatus.REQUESTED


def test_the_same_people_cannot_be_in_two_places_at_once(world: World) -> None:
    book(world)
    clash = f.make_session(f.make_rule(world.facility), starts_at=world.session.starts_at)
    with pytest.raises(RuleViolation) as refused:
        book(world, session=clash)
    assert sorted(v["code"] for v in refused.value.extra["violations"]) == [
        "resident_busy", "visitor_busy", "visitor_busy"]


# --- Idempotency-Key --------------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_same_booking(world: World) -> None:
    first = book(world, idempotency_key="k-123")
    again = book(world, idempotency_key="k-123")
    assert (first.created, again.created) == (True, False)
    assert again.booking.pk == first.booking.pk
    assert Booking.objects.count() == 1
    assert held(world.session) == 1
    assert inbox_types(world.liaison) == ["visits.booking.requested"]


def test_a_key_reused_for_another_session_is_refused(world: World) -> None:
    book(world, idempotency_key="k-123")
    other = f.make_session(world.rule, starts_at=world.session.starts_at + dt.timedelta(days=1))
    with pytest.raises(Conflict) as reused:
        book(world, session=other, idempotency_key="k-123")
    assert (reused.value.status, reused.value.code) == (409, "idempotency_key_reused")
    assert Booking.objects.count() == 1


def test_a_retry_after_the_first_booking_was_cancelled_answers_with_that_booking(
    world: World,
) -> None:
    """The checks pass again (nothing is booked now); the key's constraint refuses the
    second booking, and the answer is the first attempt's, cancelled as it now is."""
    first = book(world, idempotency_key="k-9").booking
    services.booking_cancel(actor=world.caregiver, booking_id=first.pk, reason="Sick")
    again = book(world, idempotency_key="k-9")
    assert (again.created, again.booking.pk) == (False, first.pk)
    assert again.booking.status == BookingStatus.CANCELLED
    assert Booking.objects.count() == 1
    assert held(world.session) == 0


def test_a_retry_finding_the_session_full_answers_with_its_first_booking(
    world: World,
) -> None:
    first = book(world, idempotency_key="k-10").booking
    f.fill(world.session, world.facility, world.session.capacity - 1)
    again = book(world, idempotency_key="k-10")
    assert (again.created, again.booking.pk) == (False, first.pk)


def test_a_new_key_on_a_full_session_is_refused_as_full(world: World) -> None:
    f.fill(world.session, world.facility, world.session.capacity)
    with pytest.raises(services.SessionFull):
        book(world, idempotency_key="k-11")
    assert not Booking.objects.filter(idempotency_key="k-11").exists()


def test_keys_belong_to_one_household(world: World) -> None:
    mine = book(world, idempotency_key="same").booking
    theirs = book(world, user=world.other_caregiver, resident=world.other_resident,
                  visitors=f.adults(world.other_household), idempotency_key="same").booking
    assert mine.pk != theirs.pk
    assert held(world.session) == 2


# --- cancel and the waiting list --------------------------------------------------------


def test_cancel_before_the_deadline_frees_the_place(world: World) -> None:
    booking = book(world).booking
    services.booking_cancel(actor=world.caregiver, booking_id=booking.pk, reason="Sick")
    booking.refresh_from_db()
    assert (booking.status, booking.reason) == (BookingStatus.CANCELLED, "Sick")
    assert held(world.session) == 0
    assert inbox_types(world.liaison)[-1] == "visits.booking.cancelled"


def test_cancel_after_the_deadline_is_refused(world: World) -> None:
    rule = f.make_rule(world.facility, closes_hours_before=1, cancel_hours_before=12)
    soon = f.make_session(rule, hours_from_now=6)
    booking = book(world, session=soon).booking
    with pytest.raises(Conflict) as late:
        services.booking_cancel(actor=world.caregiver, booking_id=booking.pk)
    assert late.value.code == "cancel_deadline_passed"
    assert status_of(booking) == BookingStatus.REQUESTED
    assert held(soon) == 1


def test_leaving_the_waiting_list_is_allowed_after_the_deadline(world: World) -> None:
    rule = f.make_rule(world.facility, closes_hours_before=1, cancel_hours_before=12,
                       capacity=1)
    soon = f.make_session(rule, hours_from_now=6)
    f.fill(soon, world.facility, 1)
    waiting = book(world, session=soon, waitlist_if_full=True).booking
    services.booking_cancel(actor=world.caregiver, booking_id=waiting.pk)
    assert status_of(waiting) == BookingStatus.CANCELLED
    assert held(soon) == 1


def test_a_booking_cannot_be_cancelled_twice(world: World) -> None:
    booking = book(world).booking
    services.booking_cancel(actor=world.caregiver, booking_id=booking.pk)
    with pytest.raises(Conflict):
        services.booking_cancel(actor=world.caregiver, booking_id=booking.pk)
    assert held(world.session) == 0


@pytest.fixture
def queue(world: World):
    """A one-place session: Rosa holds it; Ana then Ben wait, in that order."""
    rule = f.make_rule(world.facility, capacity=1)
    session = f.make_session(rule)
    holder = book(world, session=session).booking
    ana, ana_resident = other_family(world, "Ana")
    ben, ben_resident = other_family(world, "Ben")
    ana_booking = book_for(world, ana, ana_resident, session, waitlist_if_full=True)
    ben_booking = book_for(world, ben, ben_resident, session, waitlist_if_full=True)
    assert [status_of(ana_booking), status_of(ben_booking)] == ["waitlisted", "waitlisted"]
    return session, holder, (ana, ana_booking), (ben, ben_booking)


def test_a_cancel_offers_the_place_to_the_first_family_waiting(world: World, queue) -> None:
    session, holder, (ana, ana_booking), (ben, ben_booking) = queue
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)
    ana_booking.refresh_from_db()
    assert ana_booking.status == BookingStatus.OFFERED
    hours = (ana_booking.offer_expires_at - timezone.now()) / dt.timedelta(hours=1)
    assert 11.9 < hours <= 12
    assert status_of(ben_booking) == BookingStatus.WAITLISTED
    assert held(session) == 1  # the offered place is kept for Ana
    assert inbox_types(ana.caregiver) == ["visits.booking.offered"]
    assert inbox_types(ben.caregiver) == []
    with pytest.raises(services.SessionFull):  # nobody else can take it meanwhile
        book_for(world, *other_family(world, "Cleo"), session)


def test_accepting_the_offer_makes_it_a_request(world: World, queue) -> None:
    session, holder, (ana, ana_booking), _ = queue
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)
    services.offer_accept(actor=ana.caregiver, booking_id=ana_booking.pk)
    ana_booking.refresh_from_db()
    assert (ana_booking.status, ana_booking.offer_expires_at) == (BookingStatus.REQUESTED, None)
    assert held(session) == 1
    assert inbox_types(world.liaison)[-1] == "visits.booking.requested"
    with pytest.raises(Conflict):
        services.offer_accept(actor=ana.caregiver, booking_id=ana_booking.pk)


def test_passing_the_offer_hands_it_to_the_next_family(world: World, queue) -> None:
    session, holder, (ana, ana_booking), (ben, ben_booking) = queue
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)
    services.offer_pass(actor=ana.caregiver, booking_id=ana_booking.pk)
    assert status_of(ana_booking) == BookingStatus.CANCELLED
    assert status_of(ben_booking) == BookingStatus.OFFERED
    assert held(session) == 1
    assert inbox_types(ben.caregiver) == ["visits.booking.offered"]


def test_an_expired_offer_moves_on(world: World, queue) -> None:
    session, holder, (ana, ana_booking), (ben, ben_booking) = queue
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)
    assert services.offers_expire() == 0  # not due yet
    Booking.objects.filter(pk=ana_booking.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as late:
        services.offer_accept(actor=ana.caregiver, booking_id=ana_booking.pk)
    assert late.value.code == "offer_expired"

    assert services.offers_expire() == 1
    assert status_of(ana_booking) == BookingStatus.CANCELLED
    assert status_of(ben_booking) == BookingStatus.OFFERED
    assert held(session) == 1
    assert inbox_types(ana.caregiver) == ["visits.booking.offered", "visits.booking.offer_expired"]
    assert services.offers_expire() == 0


def test_a_last_offer_that_expires_gives_the_place_back(world: World, queue) -> None:
    session, holder, (ana, ana_booking), (ben, ben_booking) = queue
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)
    services.offer_pass(actor=ana.caregiver, booking_id=ana_booking.pk)
    Booking.objects.filter(pk=ben_booking.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.offers_expire() == 1
    assert held(session) == 0


def test_only_the_offered_family_can_act_on_an_offer(world: World, queue) -> None:
    _, holder, (_, ana_booking), _ = queue
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)
    with pytest.raises(NotFound):
        services.offer_accept(actor=world.caregiver, booking_id=ana_booking.pk)
    with pytest.raises(NotFound):
        services.offer_pass(actor=world.caregiver, booking_id=ana_booking.pk)
    assert status_of(ana_booking) == BookingStatus.OFFERED


# --- the liaison's actions --------------------------------------------------------------


def test_confirm_tells_the_family_and_twice_is_a_conflict(world: World) -> None:
    booking = book(world).booking
    services.booking_confirm(actor=world.liaison, booking_id=booking.pk)
    assert status_of(booking) == BookingStatus.CONFIRMED
    assert inbox_types(world.caregiver) == ["visits.booking.confirmed"]
    with pytest.raises(Conflict) as twice:
        services.booking_confirm(actor=world.liaison, booking_id=booking.pk)
    assert twice.value.code == "wrong_status"
    assert inbox_types(world.caregiver) == ["visits.booking.confirmed"]


def test_another_facilitys_liaison_cannot_touch_the_booking(world: World) -> None:
    booking = book(world).booking
    for action in (services.booking_confirm, services.booking_check_in,
                   services.booking_mark_no_show):
        with pytest.raises(NotFound):
            action(actor=world.other_liaison, booking_id=booking.pk)
    with pytest.raises(NotFound):
        services.booking_decline(actor=world.other_liaison, booking_id=booking.pk, reason="x")
    with pytest.raises(NotPermitted):
        services.booking_confirm(actor=world.caregiver, booking_id=booking.pk)
    assert status_of(booking) == BookingStatus.REQUESTED


def test_decline_needs_a_reason_and_gives_the_place_onwards(world: World, queue) -> None:
    session, holder, (ana, ana_booking), _ = queue
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as no_reason:
            services.booking_decline(actor=world.liaison, booking_id=holder.pk, reason=blank)
        assert "reason_code" in no_reason.value.fields
    assert status_of(holder) == BookingStatus.REQUESTED

    services.booking_decline(actor=world.liaison, booking_id=holder.pk,
                             reason="  Visitor list under review ")
    holder.refresh_from_db()
    # A note typed without a code (as before the list) is kept whole, as "another reason".
    assert (holder.status, holder.reason_code, holder.reason) == (
        BookingStatus.DECLINED, "other", "Visitor list under review")
    event = Delivery.objects.get(user=world.caregiver, event__type="visits.booking.declined").event
    assert event.body == "Note from the facility: Visitor list under review"
    assert status_of(ana_booking) == BookingStatus.OFFERED
    assert held(session) == 1
    with pytest.raises(Conflict):
        services.booking_decline(actor=world.liaison, booking_id=holder.pk, reason="again")


def test_check_in_only_on_the_day_of_the_visit(world: World) -> None:
    later = book(world).booking  # three days ahead
    with pytest.raises(Conflict) as early:
        services.booking_check_in(actor=world.liaison, booking_id=later.pk)
    assert early.value.code == "not_visit_day"
    assert status_of(later) == BookingStatus.REQUESTED

    today = f.make_session(world.rule, starts_at=timezone.now())
    arriving = f.make_booking(today, world.resident, world.household, world.family)
    services.booking_check_in(actor=world.liaison, booking_id=arriving.pk)
    assert status_of(arriving) == BookingStatus.CHECKED_IN
    with pytest.raises(Conflict):
        services.booking_check_in(actor=world.liaison, booking_id=arriving.pk)
    with pytest.raises(Conflict):  # she came, so she is not a no-show
        services.booking_mark_no_show(actor=world.liaison, booking_id=arriving.pk)


def test_no_show_only_after_the_session_starts(world: World) -> None:
    future = book(world).booking
    with pytest.raises(Conflict) as early:
        services.booking_mark_no_show(actor=world.liaison, booking_id=future.pk)
    assert early.value.code == "too_early"
    assert status_of(future) == BookingStatus.REQUESTED

    started = f.make_session(world.rule, starts_at=timezone.now() - dt.timedelta(minutes=10))
    missing = f.make_booking(started, world.resident, world.household, world.family,
                             status=BookingStatus.CONFIRMED)
    services.booking_mark_no_show(actor=world.liaison, booking_id=missing.pk)
    assert status_of(missing) == BookingStatus.NO_SHOW
    with pytest.raises(Conflict):
        services.booking_mark_no_show(actor=world.liaison, booking_id=missing.pk)


# --- closing sessions and facilities ----------------------------------------------------


def crowd(world: World, session: Session) -> list:
    """Four households in every live state: requested, confirmed, offered, waitlisted."""
    families = [other_family(world, name) for name in ("Ana", "Ben", "Cleo", "Dora")]
    statuses = [BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.OFFERED,
                BookingStatus.WAITLISTED]
    for (household, resident), status in zip(families, statuses, strict=True):
        f.make_booking(session, resident, household, status=status,
                       offer_expires_at=timezone.now() + dt.timedelta(hours=3)
                       if status == BookingStatus.OFFERED else None)
    return [household for household, _ in families]


def assert_emptied(sessions: list[Session], reason: str) -> None:
    ids = [s.pk for s in sessions]
    assert not Booking.objects.filter(session_id__in=ids, status__in=LIVE_STATUSES).exists()
    for session in sessions:
        session.refresh_from_db()
        assert (session.status, session.held, session.close_reason) == (
            SessionStatus.CLOSED, 0, reason)
    assert set(Booking.objects.filter(session_id__in=ids).values_list("reason", flat=True)) == {
        reason}


def test_closing_a_session_cancels_every_live_booking_and_tells_each_family(world: World) -> None:
    households = crowd(world, world.session)
    assert held(world.session) == 3
    cancelled = services.session_close(actor=world.liaison, session_id=world.session.pk,
                                       reason=" Lockdown ")
    assert cancelled == 4
    assert_emptied([world.session], "Lockdown")
    for household in households:
        assert "visits.session.closed" in inbox_types(household.caregiver)
    with pytest.raises(Conflict) as again:
        services.session_close(actor=world.liaison, session_id=world.session.pk, reason="x")
    assert again.value.code == "already_closed"
    with pytest.raises(RuleViolation) as refused:
        book(world)
    assert "session_closed" in [v["code"] for v in refused.value.extra["violations"]]


def test_closing_needs_a_reason_and_the_right_facility(world: World) -> None:
    crowd(world, world.session)
    before = rows()
    with pytest.raises(InvalidInput):
        services.session_close(actor=world.liaison, session_id=world.session.pk, reason="  ")
    with pytest.raises(NotFound):
        services.session_close(actor=world.other_liaison, session_id=world.session.pk,
                               reason="Lockdown")
    with pytest.raises(NotPermitted):
        services.session_close(actor=world.caregiver, session_id=world.session.pk,
                               reason="Lockdown")
    with pytest.raises(NotFound):
        services.session_close(actor=world.liaison, session_id=999_999, reason="Lockdown")
    assert rows() == before
    assert held(world.session) == 3
    assert world.session.status == SessionStatus.OPEN


def test_a_closure_cancels_every_session_in_its_days(world: World) -> None:
    unit_a_rule = f.make_rule(world.facility, unit=world.unit_a)
    unit_b_rule = f.make_rule(world.facility, unit=world.unit_b)
    start = world.session.starts_at  # 10 a.m. facility time: the two others are that morning
    sessions = [world.session,
                f.make_session(unit_a_rule, starts_at=start + dt.timedelta(hours=1)),
                f.make_session(unit_b_rule, starts_at=start + dt.timedelta(hours=2))]
    households = [h for s in sessions for h in crowd(world, s)]
    untouched = f.make_session(world.rule, starts_at=start + dt.timedelta(days=3))
    f.fill(untouched, world.facility, 2)
    day = start.astimezone(world.facility.tz).date()

    closure, cancelled = services.closure_create(actor=world.liaison, starts_on=day,
                                                 ends_on=day, reason="Count day")
    assert cancelled == 12
    assert_emptied(sessions, "Count day")
    for household in households:
        assert "visits.session.closed" in inbox_types(household.caregiver)
    untouched.refresh_from_db()
    assert (untouched.status, held(untouched)) == (SessionStatus.OPEN, 2)
    assert closure.units.count() == 0


def test_a_closure_of_one_unit_leaves_the_other_units_alone(world: World) -> None:
    unit_a_rule = f.make_rule(world.facility, unit=world.unit_a)
    unit_b_rule = f.make_rule(world.facility, unit=world.unit_b)
    start = world.session.starts_at
    in_a = f.make_session(unit_a_rule, starts_at=start)
    in_b = f.make_session(unit_b_rule, starts_at=start)
    a_families = crowd(world, in_a)
    b_families = crowd(world, in_b)
    whole_families = crowd(world, world.session)
    day = start.astimezone(world.facility.tz).date()

    _, cancelled = services.closure_create(actor=world.liaison, starts_on=day, ends_on=day,
                                           reason="Search", unit_ids=[world.unit_a.pk])
    # Unit A's own session closes whole; in the facility-wide session, the four families
    # visiting Unit A's residents (`crowd` gives each a resident of Unit A) lose their visit,
    # and the session stays open for the other units.
    assert cancelled == 4 + 4
    assert_emptied([in_a], "Search")
    in_b.refresh_from_db()
    assert (in_b.status, held(in_b)) == (SessionStatus.OPEN, 3)
    world.session.refresh_from_db()
    assert (world.session.status, held(world.session)) == (SessionStatus.OPEN, 0)
    assert world.session.closed_for(world.unit_a.pk)
    assert not world.session.closed_for(world.unit_b.pk)
    assert all("visits.session.closed" in inbox_types(h.caregiver)
               for h in a_families + whole_families)
    assert not Delivery.objects.filter(user__in=[h.caregiver for h in b_families]).exists()


def test_closure_input_is_checked_before_anything_is_written(world: World) -> None:
    crowd(world, world.session)
    day = world.session.starts_at.astimezone(world.facility.tz).date()
    before = rows()
    with pytest.raises(InvalidInput) as backwards:
        services.closure_create(actor=world.liaison, starts_on=day,
                                ends_on=day - dt.timedelta(days=1), reason="Count")
    assert "ends_on" in backwards.value.fields
    with pytest.raises(InvalidInput) as blank:
        services.closure_create(actor=world.liaison, starts_on=day, ends_on=day, reason=" ")
    assert "reason_code" in blank.value.fields
    with pytest.raises(InvalidInput) as unknown:
        services.closure_create(actor=world.liaison, starts_on=day, ends_on=day,
                                reason_code="flood")
    assert "reason_code" in unknown.value.fields
    with pytest.raises(InvalidInput) as other_bare:
        services.closure_create(actor=world.liaison, starts_on=day, ends_on=day,
                                reason_code="other", reason="  ")
    assert "reason" in other_bare.value.fields
    foreign_unit = world.other_facility.units.first()
    with pytest.raises(InvalidInput) as foreign:
        services.closure_create(actor=world.liaison, starts_on=day, ends_on=day,
                                reason="Count", unit_ids=[foreign_unit.pk])
    assert "unit_ids" in foreign.value.fields
    with pytest.raises(NotPermitted):
        services.closure_create(actor=world.caregiver, starts_on=day, ends_on=day,
                                reason="Count")
    assert rows() == before
    assert held(world.session) == 3


def test_another_facilitys_closure_leaves_this_one_alone(world: World) -> None:
    crowd(world, world.session)
    day = world.session.starts_at.astimezone(world.facility.tz).date()
    _, cancelled = services.closure_create(actor=world.other_liaison, starts_on=day,
                                           ends_on=day, reason="Their lockdown")
    assert cancelled == 0
    world.session.refresh_from_db()
    assert (world.session.status, held(world.session)) == (SessionStatus.OPEN, 3)


# --- approvals --------------------------------------------------------------------------


def test_approval_decide_changes_what_can_be_booked(world: World) -> None:
    approval = world.sofia.approvals.get(resident=world.resident)
    services.approval_decide(actor=world.liaison, approval_id=approval.pk, status="revoked",
                             reason_code="not_on_list")
    with pytest.raises(RuleViolation) as refused:
        book(world)
    assert [v["code"] for v in refused.value.extra["violations"]] == ["visitor_not_approved"]
    with pytest.raises(NotFound):
        services.approval_decide(actor=world.other_liaison, approval_id=approval.pk,
                                 status="approved")
    with pytest.raises(InvalidInput):
        services.approval_decide(actor=world.liaison, approval_id=approval.pk,
                                 status="approved",
                                 expires_on=timezone.now().date() - dt.timedelta(days=3))
    services.approval_decide(actor=world.liaison, approval_id=approval.pk, status="approved",
                             guardian_consent_on_file=True)
    assert status_of(book(world).booking) == BookingStatus.REQUESTED


@pytest.mark.django_db
def test_staff_get_requests_in_the_inbox_and_cancellations_by_email(
    world: World, django_capture_on_commit_callbacks
) -> None:
    """One email per family's request would bury a liaison; a cancellation must reach her."""
    from django.core import mail
    from django.test import override_settings

    world.liaison.email = "desk@lakeview.example"
    world.liaison.save()
    immediate = {
        "TASKS": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
        "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    }
    with override_settings(**immediate):
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            booking = book(world).booking
        assert inbox_types(world.liaison) == ["visits.booking.requested"]
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True):
            services.booking_cancel(actor=world.caregiver, booking_id=booking.pk)
        assert [m.to for m in mail.outbox] == [["desk@lakeview.example"]]


@pytest.mark.django_db
def test_a_confirmation_reads_in_the_caregivers_language_in_her_inbox(world: World, api) -> None:
    """Titles are stored as message ids, so each reader gets them in her own language,
    whatever language the liaison who confirmed was using."""
    booking = book(world).booking
    services.booking_confirm(actor=world.liaison, booking_id=booking.pk)
    inbox = api(world.caregiver).get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert inbox["results"][0]["title"] == "Su visita está confirmada"
    staff = api(world.liaison).get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert staff["results"][-1]["title"] != "New booking request"
