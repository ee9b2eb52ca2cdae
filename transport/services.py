"""Write services of transport. Each public function is one transaction.

`check_*` validates, the `ride_request_*` / `stop_*` / `plan_*` functions change state and
write their events in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from scheduler.errors import Conflict, InvalidInput, NotFound
from transport import notify
from transport.access import coordinator_program, driver_of, is_coordinator
from transport.models import (
    LIVE_RIDE_STATUSES,
    Coordinator,
    Driver,
    DriverAvailability,
    DriverFeed,
    PlanRun,
    PlanStatus,
    Program,
    ProgramFacility,
    RideRequest,
    RideStatus,
    Stop,
    StopKind,
    StopStatus,
    Trip,
    TripStatus,
    new_feed_token,
)
from transport.planner import PlanStale, plan_day, session_day
from transport.programs import facilities_q, rides_q
from transport.selectors import stop_day_today, today_for
from visits.access import household_of
from visits.models import Booking, BookingStatus, VisitKind

logger = logging.getLogger(__name__)
RIDE_BOOKING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class RideAsk:
    """What a family asks for; validated by `check_ride_ask`."""

    pickup_label: str
    pickup_latitude: float
    pickup_longitude: float
    adults: int = 1
    children: int = 0
    child_seats: int = 0
    wheelchair_places: int = 0
    outbound: bool = True
    return_trip: bool = True
    earliest_pickup: dt.datetime | None = None


def party_of(booking: Booking) -> tuple[int, int]:
    """(adults, children) on the booking, by age on the visit's day."""
    day = booking.session.starts_at.astimezone(booking.session.facility.tz).date()
    visitors = list(booking.visitors.all())
    children = sum(v.is_child_on(day) for v in visitors)
    return len(visitors) - children, children


def check_ride_ask(ask: RideAsk, booking: Booking) -> None:
    """InvalidInput naming every field that does not fit the booking."""
    fields: dict[str, list[str]] = {}
    adults, children = party_of(booking)
    if not ask.pickup_label.strip():
        fields["pickup_label"] = [_("Say where we pick you up, e.g. a street address.")]
    if not -90 <= ask.pickup_latitude <= 90:
        fields["pickup_latitude"] = [_("A latitude is between -90 and 90.")]
    if not -180 <= ask.pickup_longitude <= 180:
        fields["pickup_longitude"] = [_("A longitude is between -180 and 180.")]
    if not 1 <= ask.adults <= adults:
        fields["adults"] = [
            _("One adult comes on this visit, so one adult can ride.") if adults == 1
            else _("Between 1 and %(n)d adults on this visit can ride.") % {"n": adults}]
    if not 0 <= ask.children <= children:
        fields["children"] = [
            _("No child comes on this visit.") if children == 0
            else _("One child comes on this visit, so at most one child can ride.")
            if children == 1
            else _("At most %(n)d children on this visit can ride.") % {"n": children}]
    if not 0 <= ask.child_seats <= max(ask.children, 0):
        fields["child_seats"] = [_("Ask for at most one child seat per child riding.")]
    # Only when the riders themselves are right: a negative count is told once, above.
    riders_ok = "adults" not in fields and "children" not in fields
    if riders_ok and not 0 <= ask.wheelchair_places <= ask.adults + ask.children:
        fields["wheelchair_places"] = [_("At most one wheelchair place per rider.")]
    if not (ask.outbound or ask.return_trip):
        fields["outbound"] = [_("Choose the ride there, the ride home, or both.")]
    _check_earliest(ask, booking, fields)
    if fields:
        raise InvalidInput(_("Please check the ride details."), fields=fields)


def _check_earliest(ask: RideAsk, booking: Booking, fields: dict[str, list[str]]) -> None:
    latest = booking.session.starts_at - dt.timedelta(minutes=settings.TRANSPORT_CHECK_IN_MINUTES)
    earliest = ask.earliest_pickup
    if earliest is None:
        return
    if timezone.is_naive(earliest):
        fields["earliest_pickup"] = [_("Give the earliest pickup with its time zone.")]
    elif ask.outbound and earliest >= latest:
        fields["earliest_pickup"] = [_("The earliest pickup must be before check-in time.")]
    elif latest - earliest > dt.timedelta(hours=20):
        fields["earliest_pickup"] = [_("The earliest pickup must be on the day of the visit.")]


def ride_possible_for(booking: Booking) -> bool:
    """Whether a ride can be asked for this visit: in person, and booked or confirmed."""
    return (booking.status in RIDE_BOOKING_STATUSES
            and booking.session.kind == VisitKind.IN_PERSON)


def _booking_for_ride(actor: AbstractBaseUser, booking_id: int) -> Booking:
    household = household_of(actor)
    booking = (Booking.objects.select_for_update(of=("self",))
               .select_related("session__facility").filter(pk=booking_id, household=household)
               .first())
    if booking is None:
        raise NotFound(_("We could not find that booking."))
    if not ride_possible_for(booking):
        raise Conflict(_("Rides are for in-person visits that are booked or confirmed."))
    if booking.session.starts_at <= timezone.now():
        raise Conflict(_("This visit has already started."))
    return booking


def default_earliest(booking: Booking) -> dt.datetime:
    """Six hours before the session: far facilities need an early start."""
    return booking.session.starts_at - dt.timedelta(hours=6)


@dataclass(frozen=True)
class RideAskResult:
    request: RideRequest
    created: bool  # False when an Idempotency-Key retry answered with the first request


def _earlier_ride(actor: AbstractBaseUser, key: str | None, booking: Booking) -> RideRequest | None:
    """The request an earlier ask with this Idempotency-Key made, if any.

    Read after the booking's lock: the same tap sent twice waits there, and this statement,
    begun after the first one committed, sees its row (READ COMMITTED)."""
    if not key:
        return None
    earlier = RideRequest.objects.filter(created_by=actor, idempotency_key=key).first()
    if earlier is not None and earlier.booking_id != booking.pk:
        raise Conflict(_("This Idempotency-Key was already used for another ride request; "
                         "use a new key."), code="idempotency_key_reused")
    return earlier


def ride_request_ask(*, actor: AbstractBaseUser, booking_id: int, ask: RideAsk,
                     idempotency_key: str | None = None) -> RideAskResult:
    """A caregiver asks for a ride for one of her household's bookings.

    A retry with the same `idempotency_key` answers with the request the first ask made.
    Raises NotPermitted (not a caregiver), NotFound (not her booking), Conflict (not an
    in-person visit, already started, the booking already has a live ride request, whose
    id is in `ride_request_id`, or the key was used for another booking), InvalidInput
    (details that do not fit). Locks the booking.
    """
    with transaction.atomic():
        booking = _booking_for_ride(actor, booking_id)
        if (earlier := _earlier_ride(actor, idempotency_key, booking)) is not None:
            return RideAskResult(earlier, created=False)
        check_ride_ask(ask, booking)
        existing = RideRequest.objects.filter(booking=booking, status__in=LIVE_RIDE_STATUSES)
        if (first := existing.first()) is not None:
            raise Conflict(_("This visit already has a ride request."),
                           code="ride_exists", extra={"ride_request_id": first.pk})
        request = _insert_ride(actor, booking, ask, idempotency_key)
        notify.board_changed(day=session_day(request), what="ride.created",
                             ride_request_id=request.pk)
    return RideAskResult(request, created=True)


def _insert_ride(actor: AbstractBaseUser, booking: Booking, ask: RideAsk,
                 key: str | None) -> RideRequest:
    try:
        with transaction.atomic():
            return RideRequest.objects.create(
                booking=booking, created_by=actor, idempotency_key=key,
                pickup_label=ask.pickup_label.strip()[:200],
                pickup_latitude=ask.pickup_latitude, pickup_longitude=ask.pickup_longitude,
                adults=ask.adults, children=ask.children, child_seats=ask.child_seats,
                wheelchair_places=ask.wheelchair_places, outbound=ask.outbound,
                return_trip=ask.return_trip,
                earliest_pickup=ask.earliest_pickup or default_earliest(booking),
            )
    except IntegrityError:
        # The constraints caught a race the booking's lock cannot stop: the same key sent
        # for two bookings at once (or a second live request, which the lock should stop).
        raise Conflict(_("This visit already has a ride request, or this Idempotency-Key "
                         "was already used; use a new key.")) from None


def ride_request_create(*, actor: AbstractBaseUser, booking_id: int, ask: RideAsk) -> RideRequest:
    """`ride_request_ask` without a key, for the page and the demo: the new request."""
    return ride_request_ask(actor=actor, booking_id=booking_id, ask=ask).request


def _ride_for(actor: AbstractBaseUser, request_id: int, *, lock: bool = False) -> RideRequest:
    """A ride request the actor may change: a coordinator her program's, a caregiver her
    household's (another program's ride is not found, as if it did not exist)."""
    qs = RideRequest.objects.select_related("booking__session__facility")
    if lock:
        qs = qs.select_for_update(of=("self",))
    if is_coordinator(actor):
        request = qs.filter(rides_q(coordinator_program(actor)), pk=request_id).first()
    else:
        request = qs.filter(pk=request_id, booking__household=household_of(actor)).first()
    if request is None:
        raise NotFound(_("We could not find that ride request."))
    return request


def ride_request_cancel(*, actor: AbstractBaseUser, request_id: int) -> RideRequest:
    """Cancel a ride request and take its stops off the trips.

    Raises NotFound (not hers), Conflict (already cancelled, or a rider already picked up).
    Locks the request.
    """
    with transaction.atomic():
        request = _ride_for(actor, request_id, lock=True)
        if request.status not in LIVE_RIDE_STATUSES:
            raise Conflict(_("This ride request is already cancelled."))
        if request.stops.exclude(status=StopStatus.PLANNED).exists():
            raise Conflict(_("The driver has already picked this family up."))
        request.stops.all().delete()
        changed = RideRequest.objects.filter(pk=request.pk, status__in=LIVE_RIDE_STATUSES).update(
            status=RideStatus.CANCELLED, pinned_trip=None, pinned_driver=None,
            updated_at=timezone.now())
        if not changed:
            raise Conflict(_("This ride request is already cancelled."))
        notify.board_changed(day=session_day(request), what="ride.cancelled",
                             ride_request_id=request.pk)
    request.refresh_from_db()
    return request


def ride_request_pin(*, actor: AbstractBaseUser, request_id: int, trip_id: int | None = None,
                     driver_id: int | None = None) -> RideRequest:
    """Pin a ride request to a trip of its day, or to a driver for its day (she may have no
    trip yet); neither unpins. The next plan keeps it there.

    Raises NotPermitted (not a coordinator), NotFound, Conflict (request not live, trip of
    another day or under way, driver not available that day or already under way).
    Locks the request.
    """
    program_id = coordinator_program(actor)
    with transaction.atomic():
        request = _ride_for(actor, request_id, lock=True)
        if request.status not in LIVE_RIDE_STATUSES:
            raise Conflict(_("This ride request is cancelled."))
        trip = _pin_trip(request, trip_id, program_id) if trip_id is not None else None
        driver = trip.driver if trip else (
            _pin_driver(request, driver_id, program_id) if driver_id is not None else None)
        RideRequest.objects.filter(pk=request.pk).update(
            pinned_trip=trip, pinned_driver=driver, updated_at=timezone.now())
        notify.board_changed(day=session_day(request),
                             what="ride.pinned" if trip or not driver else "ride.pinned_driver",
                             ride_request_id=request.pk)
    request.refresh_from_db()
    return request


def ride_request_pin_and_plan(*, actor: AbstractBaseUser, request_id: int,
                              trip_id: int | None = None, driver_id: int | None = None,
                              facility_id: int | None = None) -> PlanRun:
    """Pin a ride request (as `ride_request_pin`) and plan its day again around it, in one
    transaction: a day that may not be planned (over, too far ahead) leaves the pin as it
    was. Raises what both raise; locks what both lock."""
    with transaction.atomic():
        request = ride_request_pin(actor=actor, request_id=request_id, trip_id=trip_id,
                                   driver_id=driver_id)
        return plan_run_start(actor=actor, day=session_day(request), facility_id=facility_id)


def ride_request_unpin_and_plan(*, actor: AbstractBaseUser, request_id: int, day: dt.date,
                                facility_id: int | None = None) -> PlanRun:
    """Take a ride's pin off (as `ride_request_pin` with neither a trip nor a driver) and
    plan its day again with every driver, in one transaction; `day` is the board's day she
    acted on. A day that may not be planned leaves the pin as it was.

    Raises NotPermitted (not a coordinator), NotFound (not her program's ride), Conflict
    (cancelled, not pinned any more, or a ride of another day than `day`), and what
    `ride_request_pin_and_plan` raises. Locks the request.
    """
    coordinator_program(actor)  # a family's own ride is not hers to unpin
    with transaction.atomic():
        # Locked before the checks: a pin set or taken off meanwhile is seen, not undone.
        _check_unpin(_ride_for(actor, request_id, lock=True), day)
        return ride_request_pin_and_plan(actor=actor, request_id=request_id,
                                         facility_id=facility_id)


def _check_unpin(request: RideRequest, day: dt.date) -> None:
    if request.status not in LIVE_RIDE_STATUSES:
        raise Conflict(_("This ride request is cancelled."))
    if request.pinned_trip_id is None and request.pinned_driver_id is None:
        raise Conflict(_("This ride is not pinned any more: the planner may already give "
                         "it to any driver."))
    if session_day(request) != day:
        raise Conflict(_("This ride is on another day than the board you acted on. Open "
                         "its day on the board and try again."))


def _pin_trip(request: RideRequest, trip_id: int, program_id: int | None) -> Trip:
    """A trip of her program's drivers (another program's are 'not found')."""
    trip = Trip.objects.select_related("driver").filter(
        pk=trip_id, driver__program_id=program_id).first()
    if trip is None:
        raise NotFound(_("We could not find that trip."))
    if trip.day != session_day(request):
        raise Conflict(_("That trip is on another day than this visit."))
    if trip.status != TripStatus.PLANNED:
        raise Conflict(_("That trip is already under way."))
    return trip


def _pin_driver(request: RideRequest, driver_id: int, program_id: int | None) -> Driver:
    """A driver of her program who can take the ride: free that day in the facility's zone,
    not yet out."""
    driver = Driver.objects.filter(pk=driver_id, program_id=program_id, active=True).first()
    if driver is None:
        raise NotFound(_("We could not find that driver."))
    day = session_day(request)
    start = dt.datetime.combine(day, dt.time(), tzinfo=request.booking.session.facility.tz)
    free = DriverAvailability.objects.filter(
        driver=driver, starts_at__lt=start + dt.timedelta(days=1), ends_at__gt=start)
    if not free.exists():
        raise Conflict(_("That driver is not available on the day of this visit."))
    if Trip.objects.filter(driver=driver, day=day).exclude(status=TripStatus.PLANNED).exists():
        raise Conflict(_("That driver's trip on this day is already under way."))
    return driver


NEXT_STATUS = {StopKind.PICKUP: StopStatus.PICKED_UP, StopKind.DROPOFF: StopStatus.DROPPED_OFF}


def stop_mark(*, actor: AbstractBaseUser, stop_id: int, status: str) -> Stop:
    """A driver marks one of her stops picked up / dropped off.

    Raises NotPermitted (not a driver), NotFound (not her stop), InvalidInput (a status that
    does not fit the stop), Conflict (already marked, or dropping off before the pickup).
    Locks the trip, so a re-plan in progress sees the trip under way and leaves it alone.
    """
    driver = driver_of(actor)
    with transaction.atomic():
        stop = Stop.objects.select_related(
            "trip", "request__booking__session__facility").filter(
            pk=stop_id, trip__driver=driver).first()
        if stop is None:
            raise NotFound(_("We could not find that stop."))
        trip = Trip.objects.select_for_update().get(pk=stop.trip_id)
        _check_trip_day(trip, stop)
        _check_stop_status(stop, status)
        changed = Stop.objects.filter(pk=stop.pk, status=StopStatus.PLANNED).update(
            status=status, status_at=timezone.now())
        if not changed:
            raise Conflict(_("This stop is already marked."))
        _advance_trip(trip)
        stop.refresh_from_db()
        notify.stop_updated(day=trip.day, stop=stop, program_id=driver.program_id)
    return stop


def _check_trip_day(trip: Trip, stop: Stop) -> None:
    """A stop is marked on the trip's day, in the facility's zone: marking it days early
    (a tap on the wrong day's page) would tell a family their ride had come."""
    if stop_day_today(stop) != trip.day:
        raise Conflict(_("Stops can only be marked on the day of the trip (%(day)s).")
                       % {"day": date_format(trip.day, "MONTH_DAY_FORMAT")},
                       code="not_trip_day")


def _check_stop_status(stop: Stop, status: str) -> None:
    if status not in NEXT_STATUS.values():
        raise InvalidInput(_("Mark a stop picked up or dropped off."),
                           fields={"status": [_("Use picked_up or dropped_off.")]})
    if NEXT_STATUS[stop.kind] != status:
        raise InvalidInput(_("A pickup is marked picked up, a drop-off dropped off."),
                           fields={"status": [_("This does not fit this stop.")]})
    if stop.status != StopStatus.PLANNED:
        raise Conflict(_("This stop is already marked."))
    if stop.kind == StopKind.DROPOFF and Stop.objects.filter(
            request_id=stop.request_id, leg=stop.leg, kind=StopKind.PICKUP,
            status=StopStatus.PLANNED).exists():
        raise Conflict(_("Mark the pickup first: this family is not on board yet."))


def _advance_trip(trip: Trip) -> None:
    open_stops = trip.stops.filter(status=StopStatus.PLANNED).exists()
    status = TripStatus.UNDER_WAY if open_stops else TripStatus.DONE
    Trip.objects.filter(pk=trip.pk).update(status=status, updated_at=timezone.now())


# --- planning runs ------------------------------------------------------------------------


# A queued run's task should have started within this; then it is enqueued again.
PLAN_QUEUE_GRACE = dt.timedelta(minutes=2)
# A run that killed its worker this many times is given up (failed), not retried forever.
PLAN_MAX_ATTEMPTS = 3


def _plan_lease() -> dt.timedelta:
    """Long enough for one solving attempt and its write; renewed before each attempt."""
    return dt.timedelta(seconds=settings.TRANSPORT_SOLVER_SECONDS
                        + settings.TRANSPORT_PLAN_LEASE_SECONDS)


def _plan_days(*, actor: AbstractBaseUser, program_id: int | None,
              facility_id: int | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day a coordinator may plan for the program (or one facility).

    The first is today, where she is (the board's today) or where a facility is: a facility
    behind her may still be on the day before, its evening rides still to plan. The last is
    as far ahead as sessions are kept (SESSION_HORIZON_DAYS, where the facility is): past it
    no visit, so no ride, exists yet, and a run would only rewrite an empty day.
    """
    from visits.models import Facility

    facilities = Facility.objects.filter(facilities_q(program_id))
    if facility_id is not None:
        facilities = facilities.filter(pk=facility_id)
    now = timezone.now()
    todays = {today_for(actor)} | {
        now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        for zone in facilities.order_by().values_list("time_zone", flat=True).distinct()}
    return min(todays), max(todays) + dt.timedelta(days=settings.SESSION_HORIZON_DAYS)


def check_plan_day(*, day: dt.date, first: dt.date, last: dt.date) -> None:
    """InvalidInput (on `date`) for a day already over or too far ahead: planning it would
    move families' rides on a day nobody meant to plan."""
    if day < first:
        message = _("%(day)s is over. Choose today or a day to come.") % {
            "day": date_format(day, "DATE_FORMAT")}
        raise InvalidInput(message, fields={"date": [message]}, code="day_over")
    if day > last:
        message = _("%(day)s is too far ahead: rides can be planned until %(last)s.") % {
            "day": date_format(day, "DATE_FORMAT"), "last": date_format(last, "DATE_FORMAT")}
        raise InvalidInput(message, fields={"date": [message]}, code="day_too_far")


def plan_run_start(*, actor: AbstractBaseUser, day: dt.date,
                   facility_id: int | None = None) -> PlanRun:
    """Queue planning the day for the coordinator's program (one of its facilities or all);
    a run already waiting is reused.

    A waiting run whose task should have started by now (lost, or its worker died before
    it began) is enqueued again, so a re-plan never waits on a dead run. Raises
    NotPermitted (not a coordinator), NotFound (no such facility), InvalidInput (a day
    already over or past the session horizon, see `_plan_days`). Locks the waiting run
    (two coordinators asking at once enqueue it once). Tasks are enqueued after commit.
    """
    from visits.models import Facility

    program_id = coordinator_program(actor)
    if facility_id is not None and not Facility.objects.filter(
            facilities_q(program_id), pk=facility_id).exists():
        raise NotFound(_("We could not find that facility."))
    first, last = _plan_days(actor=actor, program_id=program_id, facility_id=facility_id)
    check_plan_day(day=day, first=first, last=last)
    with transaction.atomic():
        waiting = (PlanRun.objects.select_for_update()
                   .filter(day=day, facility_id=facility_id, program_id=program_id,
                           status=PlanStatus.QUEUED)
                   .order_by("-id").first())
        if waiting is not None:
            if waiting.lease_until is None or waiting.lease_until <= timezone.now():
                _enqueue_plan(waiting)
            return waiting
        run = PlanRun.objects.create(day=day, facility_id=facility_id, program_id=program_id,
                                     requested_by=actor,
                                     lease_until=timezone.now() + PLAN_QUEUE_GRACE)
        _enqueue_plan(run)
    return run


def _enqueue_plan(run: PlanRun) -> None:
    """Queue the run (again) and enqueue its task after commit; the task should start
    within PLAN_QUEUE_GRACE. A run whose worker died goes back to the queue."""
    from transport.tasks import plan_day_task

    run.status, run.lease_until = PlanStatus.QUEUED, timezone.now() + PLAN_QUEUE_GRACE
    PlanRun.objects.filter(pk=run.pk).update(status=run.status, lease_until=run.lease_until)
    transaction.on_commit(lambda: plan_day_task.enqueue(run_id=run.pk))


def plan_runs_resume() -> int:
    """Hand every run whose worker died (lease run out) or whose task was lost (queued past
    its grace) to a new task; give up on one that has killed PLAN_MAX_ATTEMPTS workers.
    Run by `run_periodic`; returns how many were enqueued again."""
    now = timezone.now()
    stuck = PlanRun.objects.filter(status__in=[PlanStatus.QUEUED, PlanStatus.RUNNING],
                                   lease_until__lte=now)
    resumed = 0
    for run_id in list(stuck.values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            # Locked and re-checked: a worker may have renewed or finished it meanwhile.
            run = stuck.select_for_update().filter(pk=run_id).first()
            if run is None:
                continue
            if run.attempts >= PLAN_MAX_ATTEMPTS:
                _finish_run(run, status=PlanStatus.FAILED, began=None,
                            error=_("Planning stopped %(count)d times; please plan again.")
                            % {"count": run.attempts})
                continue
            _enqueue_plan(run)
            resumed += 1
    return resumed


def _plan_claim(run_id: int) -> bool:
    """Take the run: queued, or running under a lease that ran out (its worker died)."""
    now = timezone.now()
    return bool(
        PlanRun.objects.filter(pk=run_id)
        .filter(Q(status=PlanStatus.QUEUED)
                | Q(status=PlanStatus.RUNNING, lease_until__lte=now))
        .update(status=PlanStatus.RUNNING, started_at=now, lease_until=now + _plan_lease(),
                attempts=F("attempts") + 1)
    )


def plan_run_execute(*, run_id: int, time_limit: float | None = None) -> PlanRun:
    """Run one planning run (the task's body): started, solved, written, told.

    Holds the run's lease while it works (renewed before each solving attempt); a run
    another live worker holds, or one already finished, is returned untouched.
    """
    claimed = _plan_claim(run_id)
    run = PlanRun.objects.get(pk=run_id)
    if not claimed:
        return run  # another worker has it (or it is done)

    def solving(legs: int, drivers: int) -> None:
        with transaction.atomic():
            PlanRun.objects.filter(pk=run.pk).update(
                requests_count=legs, drivers_count=drivers,
                lease_until=timezone.now() + _plan_lease())
            run.requests_count, run.drivers_count = legs, drivers
            notify.plan_progress(run, "started")

    began = time.monotonic()
    try:
        outcome = plan_day(day=run.day, facility_id=run.facility_id,
                           program_id=run.program_id, run=run,
                           time_limit=time_limit, on_solving=solving)
    except PlanStale:
        _finish_run(run, status=PlanStatus.FAILED, began=began, error=_(
            "The rides of this day kept changing while planning; please plan again."))
        raise
    except Exception:
        # The details go to the log (with the traceback); a person gets words, never a
        # database's error text.
        logger.exception("planning run %s failed", run.pk)
        _finish_run(run, status=PlanStatus.FAILED, began=began, error=_(
            "Planning stopped on an unexpected error; please plan again."))
        raise
    run.planned_count, run.unserved_count = outcome.planned, outcome.unserved
    run.trips_count = outcome.trips
    _finish_run(run, status=PlanStatus.DONE, error="", began=began,
                unserved_ids=outcome.unserved_ids)
    return run


def _finish_run(run: PlanRun, *, status: str, error: str, began: float | None,
                unserved_ids: tuple[int, ...] = ()) -> None:
    """Record the end and say it: a failure or rides left out in one message each, routine
    success only to the open boards."""
    with transaction.atomic():
        run.refresh_from_db(fields=["attempts"])
        run.status, run.error, run.lease_until = status, error, None
        run.seconds = time.monotonic() - began if began is not None else run.seconds
        run.finished_at = timezone.now()
        run.save()
        if status != PlanStatus.DONE:
            notify.plan_failed(run)
            return
        unserved = list(RideRequest.objects.filter(
            pk__in=unserved_ids, status=RideStatus.UNSERVED).select_related(
            "booking__session__facility", "booking__household").order_by("pk"))
        if unserved:
            notify.plan_unserved(run, unserved)
        else:
            notify.plan_progress(run, "finished")


# --- a driver's calendar feed -----------------------------------------------------------


def driver_feed_ensure(*, actor: AbstractBaseUser, language: str = "") -> DriverFeed:
    """The driver's calendar feed (made on first use). Raises NotPermitted for non-drivers."""
    driver: Driver = driver_of(actor)
    with transaction.atomic():
        feed, _created = DriverFeed.objects.get_or_create(
            driver=driver, defaults={"language": language})
    return feed


def driver_feed_reset(*, actor: AbstractBaseUser, language: str = "") -> DriverFeed:
    """A new secret address for her feed; the old one stops working at once."""
    feed = driver_feed_ensure(actor=actor, language=language)
    with transaction.atomic():
        DriverFeed.objects.filter(pk=feed.pk).update(token=new_feed_token(), language=language)
    feed.refresh_from_db()
    return feed


# The demo's nonprofit (seed_demo, seed_transport).
DEMO_PROGRAM = "Prairie Family Rides"


def program_ensure(*, name: str, facility_ids: list[int] | tuple[int, ...] = ()) -> Program:
    """The ride program of this name, made if missing, serving the given facilities that no
    other program serves yet: for seeding."""
    program, _created = Program.objects.get_or_create(name=name)
    free = set(facility_ids) - set(ProgramFacility.objects.filter(
        facility_id__in=facility_ids).values_list("facility_id", flat=True))
    ProgramFacility.objects.bulk_create(
        [ProgramFacility(program=program, facility_id=f) for f in sorted(free)])
    return program


def coordinator_ensure(*, user: AbstractBaseUser, program: Program | None = None,
                       is_admin: bool = False) -> Coordinator:
    """Make `user` a transport coordinator of `program` (again is harmless): for seeding."""
    coordinator, _created = Coordinator.objects.update_or_create(
        user=user, defaults={"program": program, "is_admin": is_admin})
    return coordinator


def driver_ensure(*, user: AbstractBaseUser, home_base: str = "",
                  program: Program | None = None) -> Driver:
    """Make `user` a volunteer driver (again is harmless; an existing profile is kept)."""
    driver, _created = Driver.objects.get_or_create(
        user=user, defaults={"home_base": home_base, "program": program})
    return driver
