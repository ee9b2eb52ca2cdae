"""Request rounds through the services: requests, the first-come refusal, the draw."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Delivery, Event
from scheduler.errors import Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation
from tests import factories as f
from tests.visits.test_rounds_world import (
    RoundWorld,
    close_round,
    draw_and_tell,
    family_for,
    jobs_run_on_commit,
    make_round,
    rw,
)
from visits import services
from visits.models import (
    AllocationMode,
    ApprovedVisitor,
    Booking,
    BookingStatus,
    Session,
)
from visits.round_models import RequestRound, RequestStatus, RoundStatus, VisitRequest
from visits.tasks import allocate_due_rounds, tell_due_round_families

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")

__all__ = ["rw"]  # the fixture, imported for pytest


def submit(rw: RoundWorld, household=None, resident=None, choices=None, visitors=None):
    household = household or rw.world.household
    resident = resident or rw.world.resident
    return services.request_submit(
        actor=household.caregiver, round_id=rw.round.pk, resident_id=resident.pk,
        visitor_ids=[v.pk for v in (visitors or household.visitors.all())],
        choices=choices if choices is not None else rw.ids[:3],
    )


# --- sending, changing, withdrawing -------------------------------------------------------


def test_a_request_keeps_who_comes_and_the_ranked_choices(rw: RoundWorld) -> None:
    request = submit(rw, choices=[rw.ids[2], rw.ids[0]])

    assert request.status == RequestStatus.PENDING
    assert request.choice_ids == [rw.ids[2], rw.ids[0]]
    assert {v.first_name for v in request.visitors.all()} == {"Rosa", "Sofia"}
    assert Booking.objects.count() == 0  # nothing is given out before the deadline


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ("none", "Choose one, two or three times, best first."),
        ("four", "Choose one, two or three times, best first."),
        ("repeat", "Choose each time only once."),
        ("elsewhere", "Choose among the times offered in this round for this person."),
    ],
)
def test_bad_choices_are_refused_clearly(rw: RoundWorld, choices, message: str) -> None:
    other = f.make_session(rw.rule, starts_at=f.in_hours(24 * 30))
    picks = {"none": [], "four": [*rw.ids, other.pk], "repeat": [rw.ids[0], rw.ids[0]],
             "elsewhere": [other.pk]}[choices]
    with pytest.raises(InvalidInput) as error:
        submit(rw, choices=picks)
    assert error.value.fields["choices"] == [message]
    assert not VisitRequest.objects.exists()


def test_a_child_alone_is_refused_by_the_same_rules_as_a_booking(rw: RoundWorld) -> None:
    with pytest.raises(RuleViolation) as error:
        submit(rw, visitors=[rw.world.sofia])
    assert [v["code"] for v in error.value.extra["violations"]] == ["child_without_adult"]
    assert not VisitRequest.objects.exists()


def test_a_visitor_without_approval_is_refused(rw: RoundWorld) -> None:
    ApprovedVisitor.objects.filter(visitor=rw.world.sofia).update(status="revoked")
    with pytest.raises(RuleViolation) as error:
        submit(rw)
    assert "Sofia is not on this person's approved visitor list yet." in error.value.fields[
        "visitor_ids"]


def test_someone_elses_visitor_or_resident_is_refused(rw: RoundWorld) -> None:
    with pytest.raises(InvalidInput):
        submit(rw, visitors=[rw.world.rosa, *rw.world.other_household.visitors.all()])
    with pytest.raises(NotFound):
        submit(rw, resident=rw.world.other_resident)
    with pytest.raises(NotPermitted):
        services.request_submit(actor=rw.world.liaison, round_id=rw.round.pk,
                                resident_id=rw.world.resident.pk, visitor_ids=[1], choices=[1])


def test_one_request_per_person_per_round_and_none_after_the_deadline(rw: RoundWorld) -> None:
    first = submit(rw)
    with pytest.raises(Conflict) as error:
        submit(rw)
    assert error.value.extra["request_id"] == first.pk
    close_round(rw.round)
    with pytest.raises(Conflict) as closed:
        submit(rw, household=family_for(rw.world.resident))
    assert closed.value.code == "round_closed"


def test_change_and_withdraw_while_open_only(rw: RoundWorld) -> None:
    request = submit(rw)
    changed = services.request_change(
        actor=rw.world.caregiver, request_id=request.pk, visitor_ids=[rw.world.rosa.pk],
        choices=[rw.ids[1]],
    )
    assert changed.choice_ids == [rw.ids[1]]
    assert [v.first_name for v in changed.visitors.all()] == ["Rosa"]
    with pytest.raises(NotFound):  # another family cannot even see it
        services.request_withdraw(actor=rw.world.other_caregiver, request_id=request.pk)

    withdrawn = services.request_withdraw(actor=rw.world.caregiver, request_id=request.pk)
    assert withdrawn.status == RequestStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.request_withdraw(actor=rw.world.caregiver, request_id=request.pk)
    again = submit(rw)  # a withdrawn request no longer blocks a new one
    close_round(rw.round)
    with pytest.raises(Conflict):
        services.request_change(actor=rw.world.caregiver, request_id=again.pk,
                                visitor_ids=[rw.world.rosa.pk], choices=[rw.ids[0]])


# --- no midnight race ---------------------------------------------------------------------


def test_first_come_booking_is_refused_while_the_round_decides(rw: RoundWorld) -> None:
    book = {"actor": rw.world.caregiver, "session_id": rw.ids[0],
            "resident_id": rw.world.resident.pk, "visitor_ids": [rw.world.rosa.pk]}
    with pytest.raises(services.RoundInProgress) as error:
        services.booking_create(**book)
    assert error.value.status == 409
    assert error.value.extra["round_id"] == rw.round.pk
    assert "Send a request" in error.value.message
    with pytest.raises(services.RoundInProgress):  # nor may she queue up in advance
        services.booking_create(**book, waitlist_if_full=True)

    close_round(rw.round)
    with pytest.raises(services.RoundInProgress) as drawing:
        services.booking_create(**book)
    assert "The draw for this visit is running now" in drawing.value.message

    services.round_allocate(round_id=rw.round.pk)
    booked = services.booking_create(**book)  # places nobody drew are first come after
    assert booked.booking.status == BookingStatus.REQUESTED


def test_a_first_come_rule_is_untouched(rw: RoundWorld) -> None:
    result = services.booking_create(
        actor=rw.world.caregiver, session_id=rw.world.session.pk,
        resident_id=rw.world.resident.pk, visitor_ids=[rw.world.rosa.pk])
    assert result.booking.status == BookingStatus.REQUESTED


# --- the draw -----------------------------------------------------------------------------


def test_the_draw_gives_places_in_choice_order_and_tells_every_family(rw: RoundWorld) -> None:
    Session.objects.filter(pk=rw.ids[0]).update(capacity=1)
    families = [family_for(rw.world.resident if i % 2 else rw.world.other_resident)
                for i in range(3)]
    requests = [submit(rw, household=h, resident=h.visitors.first().approvals.first().resident,
                       choices=[rw.ids[0], rw.ids[1]]) for h in families]
    close_round(rw.round)

    summary = draw_and_tell(rw.round.pk, seed=7)

    assert summary.granted == 3 and summary.waitlisted == 0
    rw.round.refresh_from_db()
    assert rw.round.status == RoundStatus.ALLOCATED and rw.round.seed == 7
    firsts = [r for r in requests if _fresh(r).granted_rank == 1]
    assert len(firsts) == 1  # one place in the first choice, so one first choice granted
    for request in map(_fresh, requests):
        assert request.booking.session_id == request.granted_session_id
        assert request.booking.status == BookingStatus.REQUESTED
        assert request.explanation["lottery"]["position"] == request.position
        assert set(request.booking.visitors.all()) == set(request.visitors.all())
        assert [(h.to_status, h.reason) for h in request.booking.history.all()] == [
            (BookingStatus.REQUESTED, "request round")]
    assert Session.objects.get(pk=rw.ids[0]).held == 1
    assert Session.objects.get(pk=rw.ids[1]).held == 2
    told = Delivery.objects.filter(event__type="visits.request.granted")
    assert sorted(d.user_id for d in told) == sorted(h.caregiver_id for h in families)


def _fresh(request: VisitRequest) -> VisitRequest:
    return VisitRequest.objects.select_related("booking").get(pk=request.pk)


def test_a_resident_already_drawn_is_not_queued_again_by_another_family(
    rw: RoundWorld,
) -> None:
    Session.objects.filter(pk=rw.ids[0]).update(capacity=1)
    families = [family_for(rw.world.resident) for _ in range(3)]
    requests = [submit(rw, household=h, choices=[rw.ids[0]]) for h in families]
    close_round(rw.round)

    services.round_allocate(round_id=rw.round.pk, seed=11)

    results = sorted(map(_fresh, requests), key=lambda r: r.position)
    assert [r.status for r in results] == [
        RequestStatus.GRANTED, RequestStatus.NOT_GRANTED, RequestStatus.NOT_GRANTED]
    # Maria already has that visit: a second live booking of hers in the same session
    # (even a waiting one) would break the one-live-booking-per-resident rule.
    assert not Booking.objects.filter(status=BookingStatus.WAITLISTED).exists()
    assert results[1].explanation["reasons"] == {str(rw.ids[0]): "full"}


def test_waiting_list_is_in_draw_order_and_gets_the_freed_place(rw: RoundWorld) -> None:
    Session.objects.filter(pk=rw.ids[0]).update(capacity=1)
    residents = [f.make_resident(rw.world.facility, unit=rw.world.unit_a) for _ in range(3)]
    families = [family_for(r) for r in residents]
    requests = [submit(rw, household=h, resident=r, choices=[rw.ids[0]])
                for h, r in zip(families, residents, strict=True)]
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk, seed=3)

    by_position = sorted(map(_fresh, requests), key=lambda r: r.position)
    waiting = list(Booking.objects.filter(session_id=rw.ids[0], status=BookingStatus.WAITLISTED)
                   .order_by("created_at", "id"))
    assert [b.household_id for b in waiting] == [r.household_id for r in by_position[1:]]

    winner = by_position[0]
    Session.objects.filter(pk=rw.ids[0]).update(starts_at=timezone.now() + dt.timedelta(days=5),
                                                 ends_at=timezone.now() + dt.timedelta(days=5,
                                                                                      hours=2))
    services.booking_cancel(actor=winner.household.caregiver, booking_id=winner.booking_id)
    waiting[0].refresh_from_db()
    assert waiting[0].status == BookingStatus.OFFERED  # the next in draw order is offered

    taken = services.offer_accept(actor=waiting[0].household.caregiver, booking_id=waiting[0].pk)
    assert taken.status == BookingStatus.REQUESTED
    asked = VisitRequest.objects.get(round=rw.round, household_id=taken.household_id)
    assert set(taken.visitors.values_list("pk", flat=True)) == set(
        asked.visitors.values_list("pk", flat=True))  # the family comes as it asked
    assert [h.to_status for h in taken.history.all()] == [
        BookingStatus.WAITLISTED, BookingStatus.OFFERED, BookingStatus.REQUESTED]


def test_quota_already_used_outside_the_round_is_respected(rw: RoundWorld) -> None:
    VisitingRuleQuota = 1
    rw.rule.weekly_quota = VisitingRuleQuota
    rw.rule.save()
    elsewhere = f.make_session(f.make_rule(rw.world.facility, capacity=5),
                               starts_at=rw.sessions[0].starts_at - dt.timedelta(hours=3),
                               minutes=60)
    f.make_booking(elsewhere, rw.world.resident, rw.world.other_household)
    request = submit(rw, choices=[rw.ids[0]])
    close_round(rw.round)

    services.round_allocate(round_id=rw.round.pk, seed=1)

    request = _fresh(request)
    assert request.status == RequestStatus.NOT_GRANTED
    assert request.explanation["reasons"] == {str(rw.ids[0]): "weekly_quota"}
    assert Session.objects.get(pk=rw.ids[0]).held == 0


def test_a_family_is_never_given_two_overlapping_visits(rw: RoundWorld) -> None:
    overlapping = f.make_session(rw.rule, starts_at=rw.sessions[0].starts_at
                                 + dt.timedelta(minutes=30))
    rw.round.sessions.add(overlapping)
    other = f.make_resident(rw.world.facility, unit=rw.world.unit_a)
    f.approve([rw.world.rosa], other)
    first = submit(rw, choices=[rw.ids[0]], visitors=[rw.world.rosa])
    second = submit(rw, resident=other, choices=[overlapping.pk], visitors=[rw.world.rosa])
    close_round(rw.round)

    services.round_allocate(round_id=rw.round.pk, seed=5)

    statuses = sorted([_fresh(first).status, _fresh(second).status])
    assert statuses == [RequestStatus.GRANTED, RequestStatus.NOT_GRANTED]
    loser = _fresh(first) if _fresh(first).status != RequestStatus.GRANTED else _fresh(second)
    assert list(loser.explanation["reasons"].values()) == ["overlap"]


def test_a_household_that_lost_gets_a_better_chance_next_time(rw: RoundWorld) -> None:
    Session.objects.filter(pk__in=rw.ids).update(capacity=0)
    request = submit(rw, choices=[rw.ids[0]])
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk, seed=2)
    assert _fresh(request).status == RequestStatus.WAITLISTED

    later = [f.make_session(rw.rule, starts_at=s.starts_at + dt.timedelta(days=7))
             for s in rw.sessions]
    next_round = make_round(rw.rule, later)
    again = services.request_submit(
        actor=rw.world.caregiver, round_id=next_round.pk, resident_id=rw.world.resident.pk,
        visitor_ids=[rw.world.rosa.pk], choices=[later[0].pk])
    close_round(next_round)
    services.round_allocate(round_id=next_round.pk, seed=2)

    again = _fresh(again)
    assert again.status == RequestStatus.GRANTED
    assert again.explanation["priorities"]["rounds_lost_in_row"] == 1
    assert again.weight == pytest.approx(1 + 1.5 + 180 / 30 * 0.25)


def test_the_outcome_event_carries_no_prison_id_or_visitor_names(rw: RoundWorld) -> None:
    submit(rw)
    close_round(rw.round)
    draw_and_tell(rw.round.pk)
    event = Event.objects.get(type="visits.request.granted")
    text = str(event.data) + event.title + event.body
    assert "W48213" not in text and "Sofia" not in text and "Rosa" not in text
    assert event.data["resident_first_name"] == "Maria"
    assert "(facility time). The facility will confirm your visit." in event.body


# --- doing it twice, and checking it --------------------------------------------------------


def test_drawing_twice_does_nothing_the_second_time(rw: RoundWorld) -> None:
    submit(rw)
    submit(rw, household=rw.world.other_household, resident=rw.world.other_resident)
    assert services.round_allocate(round_id=rw.round.pk) is None  # not due yet
    close_round(rw.round)

    with jobs_run_on_commit():
        assert allocate_due_rounds.call() == 1
    bookings, events = Booking.objects.count(), Event.objects.count()
    with jobs_run_on_commit():
        assert allocate_due_rounds.call() == 0
        assert services.round_allocate(round_id=rw.round.pk) is None
    assert (Booking.objects.count(), Event.objects.count()) == (bookings, events) == (2, 2)


def _told() -> list[tuple[int, str]]:
    rows = Delivery.objects.filter(event__type__startswith="visits.request.")
    return sorted(rows.values_list("user_id", "event__type"))


def test_each_family_is_told_once_even_when_the_job_runs_again(rw: RoundWorld) -> None:
    Session.objects.filter(pk__in=rw.ids).update(capacity=1)
    submit(rw, choices=[rw.ids[0]])
    submit(rw, household=rw.world.other_household, resident=rw.world.other_resident,
           choices=[rw.ids[0]])
    close_round(rw.round)
    draw_and_tell(rw.round.pk)
    told = _told()

    assert services.round_tell_families(round_id=rw.round.pk) == 0  # a retried job
    assert tell_due_round_families.call() == 0  # the sweep finds nothing left
    assert _told() == told
    assert sorted(t for _user, t in told) == ["visits.request.granted",
                                              "visits.request.waitlisted"]
    assert {u for u, _t in told} == {rw.world.caregiver.pk, rw.world.other_caregiver.pk}


def test_families_are_told_by_the_sweep_when_the_job_was_lost(rw: RoundWorld) -> None:
    """The worker dies after the draw commits, before its job is queued: nobody has heard
    yet, and the periodic sweep tells each family once."""
    submit(rw)
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk)  # on-commit hooks never run here
    assert _told() == []

    assert tell_due_round_families.call() == 1
    assert tell_due_round_families.call() == 0
    assert _told() == [(rw.world.caregiver.pk, "visits.request.granted")]
    rw.round.refresh_from_db()
    assert rw.round.families_told_at is not None


def test_a_round_not_drawn_tells_nobody(rw: RoundWorld) -> None:
    submit(rw)
    assert services.round_tell_families(round_id=rw.round.pk) == 0  # still open
    assert tell_due_round_families.call() == 0
    assert _told() == []


def test_rounds_drawn_before_the_upgrade_are_not_told_again(rw: RoundWorld) -> None:
    """Before 0014 the draw told the families itself: the migration marks those rounds told,
    or the first sweep after the upgrade would tell every family of every past round again."""
    import importlib

    from django.apps import apps

    submit(rw)
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk)
    RequestRound.objects.filter(pk=rw.round.pk).update(families_told_at=None)  # as before 0014

    migration = importlib.import_module("visits.migrations.0014_round_families_told_after_the_draw")
    migration.told_at_the_draw(apps, None)

    rw.round.refresh_from_db()
    assert rw.round.families_told_at == rw.round.allocated_at
    assert tell_due_round_families.call() == 0
    assert _told() == []


def test_verify_re_runs_the_draw_and_catches_a_changed_record(rw: RoundWorld) -> None:
    Session.objects.filter(pk__in=rw.ids).update(capacity=1)
    for _ in range(5):
        resident = f.make_resident(rw.world.facility, unit=rw.world.unit_a)
        submit(rw, household=family_for(resident, children=[("Ana", 5)]), resident=resident)
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk)

    result = services.round_verify(actor=rw.world.liaison, round_id=rw.round.pk)
    assert result.matches and result.checked == 5 and result.differences == []

    tampered = VisitRequest.objects.filter(round=rw.round, status="granted").first()
    tampered.explanation["lottery"]["position"] = 99
    tampered.save()
    again = services.round_verify(actor=rw.world.liaison, round_id=rw.round.pk)
    assert not again.matches
    assert [d["request_id"] for d in again.differences] == [tampered.pk]
    with pytest.raises(NotFound):  # another facility's liaison
        services.round_verify(actor=rw.world.other_liaison, round_id=rw.round.pk)


# --- opening rounds ------------------------------------------------------------------------


@pytest.mark.parametrize("moment", [
    dt.datetime(2027, 3, 13, 23, 40, tzinfo=CHICAGO),  # Saturday night, before spring forward
    dt.datetime(2026, 12, 6, 22, 30, tzinfo=CHICAGO),  # Sunday night (Monday in UTC)
    dt.datetime(2026, 12, 2, 12, 0, tzinfo=CHICAGO),  # a Wednesday
], ids=["saturday-night", "sunday-night", "wednesday"])
def test_rounds_open_for_each_week_of_a_round_rule(
    world, time_machine, moment: dt.datetime
) -> None:
    time_machine.move_to(moment)
    rule = f.make_rule(world.facility, allocation_mode=AllocationMode.ROUND,
                       rrule="FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9;BYMINUTE=0",
                       starts_on=moment.date())
    services.rule_sync_sessions(rule=rule, horizon_days=35)

    made = services.rounds_open_due()

    rounds = list(RequestRound.objects.filter(rule=rule).order_by("deadline"))
    assert made == len(rounds) >= 2
    for rnd in rounds:
        days = weekend_days(rnd)
        # The weekend's two sessions; the horizon may cut the last weekend after its Saturday.
        assert days[0].weekday() == 5
        assert days[1:] == [days[0] + dt.timedelta(days=1)] or rnd == rounds[-1]
        local_deadline = rnd.deadline.astimezone(world.facility.tz)
        assert local_deadline.date() == days[0] - dt.timedelta(days=8)
        assert local_deadline.hour == 0
        assert rnd.deadline > timezone.now()
    assert services.rounds_open_due() == 0  # again: nothing new

    services.rule_sync_sessions(rule=rule, horizon_days=42)  # the horizon moves on
    services.rounds_open_due()
    assert len(weekend_days(rounds[-1])) == 2  # the cut weekend's round is completed


def weekend_days(rnd: RequestRound) -> list[dt.date]:
    return sorted(s.starts_at.astimezone(rnd.facility.tz).date() for s in rnd.sessions.all())


def test_run_periodic_enqueues_the_round_tasks(db) -> None:
    from django_tasks_db.models import DBTaskResult

    call_command("run_periodic", "--once")
    names = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "visits.tasks.allocate_due_rounds" in names
    assert "visits.tasks.open_request_rounds" in names


def test_every_booking_the_draw_wrote_passes_the_rules_read_back_from_rows(
    rw: RoundWorld,
) -> None:
    """A crowded round: shared residents, tight quotas, overlapping times. Afterwards each
    booking is checked again from the database, as if it were being made now."""
    from visits.facts import draft_for
    from visits.rules import check_booking
    from visits.services.round_draw import NOT_AT_DRAW

    rw.rule.weekly_quota = 1
    rw.rule.save()
    overlapping = f.make_session(rw.rule, starts_at=rw.sessions[0].starts_at
                                 + dt.timedelta(minutes=60))
    rw.round.sessions.add(overlapping)
    residents = [f.make_resident(rw.world.facility, unit=rw.world.unit_a) for _ in range(4)]
    for i in range(12):
        resident = residents[i % 4]
        household = family_for(resident, children=[("Kid", 7)] if i % 3 else ())
        submit(rw, household=household, resident=resident,
               choices=[overlapping.pk, *rw.ids][i % 2: i % 2 + 3])
    close_round(rw.round)

    summary = services.round_allocate(round_id=rw.round.pk, seed=99)

    booked = Booking.objects.filter(status=BookingStatus.REQUESTED).select_related("session")
    assert booked.count() == summary.granted >= 4
    weeks = Counter((b.resident_id, b.session.starts_at.astimezone(rw.world.facility.tz)
                     .isocalendar()[:2]) for b in booked)
    assert max(weeks.values()) == 1  # one visit a week for each resident
    for booking in booked:
        session = Session.objects.select_related("rule", "facility").get(pk=booking.session_id)
        draft = draft_for(session=session, resident_id=booking.resident_id,
                          visitors=list(booking.visitors.all()), now=timezone.now(),
                          exclude_booking_id=booking.pk)
        assert [v.code for v in check_booking(draft) if v.code not in NOT_AT_DRAW] == []
    for session in Session.objects.filter(request_rounds=rw.round):
        holding = Booking.objects.filter(session=session, status=BookingStatus.REQUESTED)
        assert session.held == holding.count() <= session.capacity


def test_a_spanish_speaking_family_hears_its_outcome_in_spanish(rw: RoundWorld) -> None:
    from notifications.models import Preference

    Preference.objects.update_or_create(user=rw.world.caregiver, defaults={"language": "es"})
    Session.objects.filter(pk__in=rw.ids).update(capacity=0)
    submit(rw, choices=[rw.ids[0]])
    close_round(rw.round)

    draw_and_tell(rw.round.pk)

    event = Event.objects.get(type="visits.request.waitlisted")
    assert event.title == "Esta vez no hubo plaza: está en la lista de espera"
    assert "Perder este sorteo le da más posibilidades en el próximo." in event.body



def test_a_unit_closed_on_a_chosen_day_passes_that_choice_over(rw: RoundWorld) -> None:
    """Maria's unit is locked down on Saturday after she asked for it: the draw gives her
    Sunday, says why Saturday went, and a new request cannot choose Saturday."""
    request = submit(rw, choices=[rw.ids[0], rw.ids[2]])
    saturday = rw.sessions[0].starts_at.astimezone(CHICAGO).date()
    services.closure_create(actor=rw.world.liaison, starts_on=saturday, ends_on=saturday,
                            reason_code="lockdown", unit_ids=[rw.world.unit_a.pk])
    close_round(rw.round)

    draw_and_tell(rw.round.pk, seed=3)

    request = _fresh(request)
    assert request.granted_session_id == rw.ids[2]
    assert request.explanation["reasons"] == {str(rw.ids[0]): "unit_closed"}
    assert Session.objects.get(pk=rw.ids[0]).held == 0


def test_a_request_cannot_choose_a_day_her_unit_is_closed(rw: RoundWorld) -> None:
    saturday = rw.sessions[0].starts_at.astimezone(CHICAGO).date()
    services.closure_create(actor=rw.world.liaison, starts_on=saturday, ends_on=saturday,
                            reason_code="lockdown", unit_ids=[rw.world.unit_a.pk])
    with pytest.raises(InvalidInput):
        submit(rw, choices=[rw.ids[0]])
    other = submit(rw, household=rw.world.other_household, resident=rw.world.other_resident,
                   choices=[rw.ids[0]])  # Unit B is open
    assert other.first_choice_id == rw.ids[0]
