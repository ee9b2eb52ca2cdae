"""A ride program's people and things: its administrator invites and removes coordinators and
drivers; coordinators keep the vehicles and the named pickup points; a driver keeps her own
home base and availability. Coordinators see only their program's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from scheduler.errors import Busy, Conflict, InvalidInput, NotFound, NotPermitted
from scheduler.invitations import check_open, clean_email, new_token, token_hash
from transport.models import (
    Coordinator,
    Driver,
    DriverAvailability,
    PickupPoint,
    Program,
    ProgramFacility,
    RideRequest,
    StaffInvitation,
    StaffRole,
    Stop,
    StopStatus,
    Trip,
    TripStatus,
    Vehicle,
)
from transport.planner import session_day
from transport.rides_follow import (
    ride_begun_with,
    rides_follow_driver,
    rides_follow_facility,
    rides_of_driver_locked,
    rides_of_driver_still,
)
from visits.models import Facility
from visits.services.common import is_lock_timeout


def coordinator_of(user: AbstractBaseUser) -> Coordinator:
    """The acting coordinator (with her program); NotPermitted for anyone else."""
    coordinator = Coordinator.objects.select_related("program").filter(user_id=user.pk).first()
    if coordinator is None:
        raise NotPermitted(_("Only a transport coordinator can do this."))
    return coordinator


def program_admin_of(user: AbstractBaseUser) -> Coordinator:
    coordinator = coordinator_of(user)
    if not coordinator.is_admin:
        raise NotPermitted(_("Only the program administrator can manage its staff."))
    return coordinator


def _same_program(coordinator: Coordinator) -> Q:
    """Her program's rows. Accounts made before programs existed have none and share them."""
    return Q(program_id=coordinator.program_id)


# --- staff -------------------------------------------------------------------------------


def staff_invite(*, actor: AbstractBaseUser, email: str, role: str
                 ) -> tuple[StaffInvitation, str]:
    """Invite `email` to coordinate or drive for the actor's program; returns the invitation
    and its secret token (the caller mails the link). An earlier open invitation to the same
    address for the program is withdrawn. Raises NotPermitted, InvalidInput, Conflict."""
    admin = program_admin_of(actor)
    address = clean_email(email)
    if role not in StaffRole.values:
        message = _("Choose coordinator or driver.")
        raise InvalidInput(message, fields={"role": [message]})
    if admin.program is None:
        raise Conflict(_("Your account belongs to no program yet."), code="no_program")
    _check_not_in_program(admin, address, role)
    token = new_token()
    with transaction.atomic():
        StaffInvitation.objects.filter(program=admin.program, email=address, accepted_at=None,
                                       cancelled_at=None).update(cancelled_at=timezone.now())
        invitation = StaffInvitation.objects.create(
            program=admin.program, email=address, role=role, token_hash=token_hash(token),
            invited_by=actor)
    return invitation, token


def _check_not_in_program(admin: Coordinator, email: str, role: str) -> None:
    users = get_user_model().objects.filter(email__iexact=email)
    model = Coordinator if role == StaffRole.COORDINATOR else Driver
    if model.objects.filter(_same_program(admin), user__in=users).exclude(
            **({"active": False} if model is Driver else {})).exists():
        message = _("%(email)s already has this role in your program.") % {"email": email}
        raise Conflict(message, fields={"email": [message]}, code="already_staff")


def staff_invitation_cancel(*, actor: AbstractBaseUser, invitation_id: int) -> None:
    """Withdraw an open invitation of the actor's program. Raises NotPermitted, NotFound."""
    admin = program_admin_of(actor)
    with transaction.atomic():
        changed = StaffInvitation.objects.filter(
            pk=invitation_id, program_id=admin.program_id, accepted_at=None, cancelled_at=None,
        ).update(cancelled_at=timezone.now())
    if not changed:
        raise NotFound(_("This invitation is not open any more."))


def staff_invitation_find(token: str) -> StaffInvitation | None:
    return StaffInvitation.objects.select_related("program").filter(
        token_hash=token_hash(token)).first()


def staff_invitation_accept(*, user: AbstractBaseUser, token: str) -> Coordinator | Driver:
    """Give `user` the invitation's role in its program and close the link for good. Locks
    the invitation (two taps use it once). Raises NotFound, Conflict (used, withdrawn,
    expired, or the account already has this role in another program)."""
    with transaction.atomic():
        invitation = StaffInvitation.objects.select_for_update().filter(
            token_hash=token_hash(token)).first()
        check_open(invitation)
        assert invitation is not None
        if invitation.role == StaffRole.COORDINATOR:
            person: Coordinator | Driver = _make_coordinator(user, invitation.program)
        else:
            person = _make_driver(user, invitation.program)
        StaffInvitation.objects.filter(pk=invitation.pk).update(
            accepted_at=timezone.now(), accepted_by=user)
    return person


def _make_coordinator(user: AbstractBaseUser, program: Program) -> Coordinator:
    if Coordinator.objects.filter(user_id=user.pk).exists():
        raise Conflict(_("This account already coordinates rides. Sign out and create a new "
                         "account with the link."), code="already_staff")
    return Coordinator.objects.create(user=user, program=program)


def _make_driver(user: AbstractBaseUser, program: Program) -> Driver:
    driver = Driver.objects.filter(user_id=user.pk).first()
    if driver is not None and driver.active:
        raise Conflict(_("This account already drives for a program. Sign out and create a "
                         "new account with the link."), code="already_staff")
    if driver is not None:  # a driver removed earlier comes back, keeping her home base
        Driver.objects.filter(pk=driver.pk).update(program=program, active=True)
        driver.refresh_from_db()
        return driver
    return Driver.objects.create(user=user, program=program)


def coordinator_remove(*, actor: AbstractBaseUser, coordinator_id: int) -> None:
    """Take a coordinator off the actor's program. Raises NotPermitted, NotFound, Conflict
    (herself: a program keeps its administrator)."""
    admin = program_admin_of(actor)
    with transaction.atomic():
        coordinator = Coordinator.objects.select_for_update().filter(
            _same_program(admin), pk=coordinator_id).first()
        if coordinator is None:
            raise NotFound(_("This coordinator does not work for your program."))
        if coordinator.pk == admin.pk:
            raise Conflict(_("You cannot remove yourself. Ask another administrator."),
                           code="remove_self")
        coordinator.delete()


@dataclass(frozen=True)
class DriverRemoved:
    """What removing a driver changed, for the page's message."""

    rides: int  # rides taken off her trips to come, waiting to be planned again
    trips: int  # her trips to come, now off


# How often a removal reads her rides again when a plan gave her one meanwhile.
REMOVE_ATTEMPTS = 3


class _RidesChanged(Exception):
    """A plan committed a ride of hers between reading her rides and locking her row."""


def driver_remove(*, actor: AbstractBaseUser, driver_id: int) -> DriverRemoved:
    """Stop planning a driver. Her rides to come leave her trips and wait to be planned
    again (`rides_follow_driver`: the families, the coordinators and she are told), her trips
    to come and her availability from now on go; her past trips stay as history. One
    transaction: nothing is half done.

    Raises NotPermitted, NotFound (not an active driver of the program), Conflict (a family
    whose ride has begun still rides with her), Busy (her day kept being planned meanwhile,
    or a plan held her rides past the lock timeout).
    Locks her rides, then her trips, then her row: the planner's order (`write_plan`).
    """
    admin = program_admin_of(actor)
    for _attempt in range(REMOVE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _remove_driver(admin, driver_id)
        except _RidesChanged:
            continue
        except OperationalError as exc:  # a plan held her rides past the lock timeout
            if not is_lock_timeout(exc):
                raise
            break
    raise Busy(_("Her trips are being planned right now. Try again in a moment."))


def _remove_driver(admin: Coordinator, driver_id: int) -> DriverRemoved:
    mine = Driver.objects.filter(_same_program(admin), pk=driver_id, active=True)
    if not mine.exists():  # before locking anything of a driver who is not hers
        raise NotFound(_("This driver does not drive for your program."))
    locked = rides_of_driver_locked(driver_id)
    list(Trip.objects.select_for_update().filter(driver_id=driver_id)
         .exclude(status=TripStatus.DONE).order_by("pk").values_list("pk", flat=True))
    driver = mine.select_for_update(of=("self",)).select_related("user").first()
    if driver is None:  # removed by another tap meanwhile
        raise NotFound(_("This driver does not drive for your program."))
    rides = rides_of_driver_still(driver_id, locked)
    if rides is None:
        raise _RidesChanged()
    _check_nobody_on_the_way(driver, rides)
    left = rides_follow_driver(driver=driver, rides=rides)
    Driver.objects.filter(pk=driver.pk).update(active=False)
    DriverAvailability.objects.filter(driver_id=driver_id, ends_at__gt=timezone.now()).delete()
    return DriverRemoved(rides=len(left.rides), trips=len(left.her_trips))


def _check_nobody_on_the_way(driver: Driver, rides: list[RideRequest]) -> None:
    """Conflict if a family she is to drive has already set out (picked up, or at the visit
    waiting for the ride home): nobody else would bring them home."""
    begun = ride_begun_with(driver.pk, rides)
    if begun is None:
        return
    message = _("%(driver)s is driving a family whose ride has already begun, on %(day)s. "
                "Remove her once she has brought them home.") % {
        "driver": driver.user.get_full_name() or driver.user.get_username(),
        "day": date_format(session_day(begun), "MONTH_DAY_FORMAT")}
    raise Conflict(message, code="driver_on_the_way")


def staff_of_program(*, user: AbstractBaseUser) -> dict[str, QuerySet]:
    """The program administrator's page: coordinators, drivers, open invitations."""
    admin = program_admin_of(user)
    return {
        "coordinators": Coordinator.objects.filter(_same_program(admin)).select_related("user")
        .order_by("user__first_name", "user__username"),
        "drivers": drivers_of_program(user=user),
        "invitations": StaffInvitation.objects.filter(
            program_id=admin.program_id, accepted_at=None, cancelled_at=None,
            expires_at__gt=timezone.now()),
    }


def drivers_of_program(*, user: AbstractBaseUser) -> QuerySet[Driver]:
    coordinator = coordinator_of(user)
    return (Driver.objects.filter(_same_program(coordinator), active=True)
            .select_related("user").prefetch_related("vehicles")
            .order_by("user__first_name", "user__username"))


# --- vehicles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleData:
    name: str
    seats: int
    child_seats: int = 0
    wheelchair_places: int = 0
    active: bool = True


def check_vehicle(data: VehicleData) -> None:
    fields: dict[str, list[str]] = {}
    if not data.name.strip():
        fields["name"] = [_("Give the vehicle a name drivers recognise, e.g. “White van”.")]
    if data.seats < 1:
        fields["seats"] = [_("A vehicle needs at least one passenger seat.")]
    if data.child_seats < 0 or data.child_seats > max(data.seats, 0):
        fields["child_seats"] = [_("Child seats sit on passenger seats: between 0 and the "
                                   "number of seats.")]
    if data.wheelchair_places < 0:
        fields["wheelchair_places"] = [_("Give 0 or more wheelchair places.")]
    if fields:
        raise InvalidInput(_("Please check the vehicle."), fields=fields)


def vehicles_of_program(*, user: AbstractBaseUser) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(_same_program(coordinator_of(user)))


def vehicle_save(*, actor: AbstractBaseUser, data: VehicleData,
                 vehicle_id: int | None = None) -> Vehicle:
    """Add a vehicle to the actor's program, or change one of its own. Raises NotPermitted,
    InvalidInput, NotFound (another program's vehicle)."""
    coordinator = coordinator_of(actor)
    check_vehicle(data)
    values = {"name": data.name.strip(), "seats": data.seats, "child_seats": data.child_seats,
              "wheelchair_places": data.wheelchair_places, "active": data.active}
    with transaction.atomic():
        same_name = Vehicle.objects.filter(_same_program(coordinator),
                                           name__iexact=values["name"])
        if same_name.exclude(pk=vehicle_id).exists():
            raise InvalidInput(fields={"name": [_(
                "Your program already has a vehicle called “%(name)s”: give this one a name "
                "drivers can tell apart.") % {"name": values["name"]}]})
        if vehicle_id is None:
            return Vehicle.objects.create(program=coordinator.program, **values)
        vehicle = Vehicle.objects.select_for_update().filter(
            _same_program(coordinator), pk=vehicle_id).first()
        if vehicle is None:
            raise NotFound(_("This vehicle is not in your program."))
        for key, value in values.items():
            setattr(vehicle, key, value)
        vehicle.save()
    return vehicle


def driver_vehicles_set(*, actor: AbstractBaseUser, driver_id: int,
                        vehicle_ids: list[int]) -> Driver:
    """Which of the program's vehicles a driver may take. Raises NotPermitted, NotFound."""
    coordinator = coordinator_of(actor)
    with transaction.atomic():
        driver = Driver.objects.select_for_update().filter(
            _same_program(coordinator), pk=driver_id, active=True).first()
        if driver is None:
            raise NotFound(_("This driver does not drive for your program."))
        vehicles = list(Vehicle.objects.filter(_same_program(coordinator), pk__in=vehicle_ids))
        if len(vehicles) != len(set(vehicle_ids)):
            raise NotFound(_("Choose vehicles of your program."))
        driver.vehicles.set(vehicles)
    return driver


# --- pickup points ------------------------------------------------------------------------


def pickup_point_add(*, actor: AbstractBaseUser, name: str, address: str, latitude: float,
                     longitude: float) -> PickupPoint:
    """A named place of the actor's program that families can choose. Raises NotPermitted,
    InvalidInput."""
    coordinator = coordinator_of(actor)
    fields: dict[str, list[str]] = {}
    if not name.strip():
        fields["name"] = [_("Give the place a name families know, e.g. “St. Mark's church”.")]
    if not address.strip():
        fields["address"] = [_("Give the street address, so drivers find it.")]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        fields["zip"] = [_("We could not place this on the map. Check the ZIP code.")]
    if fields:
        raise InvalidInput(_("Please check the pickup point."), fields=fields)
    with transaction.atomic():
        return PickupPoint.objects.create(
            program=coordinator.program, name=name.strip()[:100], address=address.strip()[:200],
            latitude=latitude, longitude=longitude)


def pickup_point_set_active(*, actor: AbstractBaseUser, point_id: int, active: bool) -> None:
    """Offer a point to families again, or stop offering it (rides already asked keep it).
    Raises NotPermitted, NotFound."""
    coordinator = coordinator_of(actor)
    with transaction.atomic():
        if not PickupPoint.objects.filter(_same_program(coordinator), pk=point_id).update(
                active=active):
            raise NotFound(_("This pickup point is not in your program."))


def pickup_points_of_program(*, user: AbstractBaseUser) -> QuerySet[PickupPoint]:
    return PickupPoint.objects.filter(_same_program(coordinator_of(user)))


def pickup_points_offered() -> QuerySet[PickupPoint]:
    """What a family may choose on the ride form."""
    return PickupPoint.objects.filter(active=True).order_by("name", "id")


# --- a driver's own availability --------------------------------------------------------


def _active_driver(user: AbstractBaseUser) -> Driver:
    driver = Driver.objects.filter(user_id=user.pk, active=True).first()
    if driver is None:
        raise NotPermitted(_("Only a volunteer driver can see this."))
    return driver


def driver_home_set(*, actor: AbstractBaseUser, home_base: str, latitude: float,
                    longitude: float) -> Driver:
    """Where the driver's trips start and end. Raises NotPermitted, InvalidInput."""
    driver = _active_driver(actor)
    if not home_base.strip():
        message = _("Give your town or street, so coordinators know where you start.")
        raise InvalidInput(message, fields={"home_base": [message]})
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        message = _("We could not place this on the map. Check the ZIP code.")
        raise InvalidInput(message, fields={"zip": [message]})
    with transaction.atomic():
        Driver.objects.filter(pk=driver.pk).update(
            home_base=home_base.strip()[:200], latitude=latitude, longitude=longitude)
    driver.refresh_from_db()
    return driver


# How far ahead a driver may give her times.
AVAILABILITY_AHEAD = dt.timedelta(days=366)


def check_window(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        message = _("The window must end after it starts.")
        raise InvalidInput(message, fields={"ends": [message]})
    if ends_at <= timezone.now():
        message = _("This window is already over. Choose a time to come.")
        raise InvalidInput(message, fields={"day": [message]})
    if ends_at - starts_at > dt.timedelta(hours=24):
        message = _("A window lasts at most one day. Add one window per day.")
        raise InvalidInput(message, fields={"ends": [message]})
    if starts_at > timezone.now() + AVAILABILITY_AHEAD:
        # Rides are planned weeks ahead, not years: a far date is a slip of the year.
        message = _("Give a day within the next year.")
        raise InvalidInput(message, fields={"day": [message]})


def availability_add(*, actor: AbstractBaseUser, starts_at: dt.datetime, ends_at: dt.datetime,
                     vehicle_id: int | None = None) -> DriverAvailability:
    """One more window when the driver can drive (several a day are fine; they may not
    overlap, since she cannot drive twice at once). Locks her driver row so two taps do not
    both pass the overlap check. Raises NotPermitted, InvalidInput, Conflict, NotFound."""
    driver = _active_driver(actor)
    check_window(starts_at, ends_at)
    with transaction.atomic():
        Driver.objects.select_for_update().filter(pk=driver.pk).first()
        if vehicle_id is not None and not driver.vehicles.filter(pk=vehicle_id).exists():
            raise NotFound(_("Choose one of the vehicles you drive."))
        if DriverAvailability.objects.filter(driver=driver, starts_at__lt=ends_at,
                                             ends_at__gt=starts_at).exists():
            message = _("This window overlaps one you already gave. Change or remove that "
                        "one first.")
            raise Conflict(message, fields={"starts": [message]}, code="window_overlap")
        return DriverAvailability.objects.create(driver=driver, starts_at=starts_at,
                                                 ends_at=ends_at, vehicle_id=vehicle_id)


def availability_remove(*, actor: AbstractBaseUser, window_id: int) -> None:
    """Remove one of her windows, unless she drives in it (`check_not_driving_in`).

    Raises NotPermitted, NotFound (not hers), Conflict (a trip of hers has a stop in it).
    Locks her driver row, as the planner does before writing her trip: a plan written
    meanwhile is seen here, and a plan being written sees the window gone and plans again.
    """
    driver = _active_driver(actor)
    with transaction.atomic():
        Driver.objects.select_for_update().filter(pk=driver.pk).first()
        window = DriverAvailability.objects.filter(pk=window_id, driver=driver).first()
        if window is None:
            raise NotFound(_("This window is not one of yours."))
        check_not_driving_in(window)
        window.delete()


def check_not_driving_in(window: DriverAvailability) -> None:
    """Conflict if a trip of hers not yet done has a stop still to make in the window: taken
    away, the trip would stay planned with her, and nobody would know she is not coming."""
    stop = (Stop.objects.filter(
        trip__driver_id=window.driver_id,
        trip__status__in=[TripStatus.PLANNED, TripStatus.UNDER_WAY],
        status=StopStatus.PLANNED,
        planned_at__gte=window.starts_at, planned_at__lte=window.ends_at)
        .select_related("trip").order_by("planned_at", "pk").first())
    if stop is not None:
        message = _("You are driving on %(day)s: ask your coordinator to take you off the "
                    "trip first, then remove this window.") % {
            "day": date_format(stop.trip.day, "MONTH_DAY_FORMAT")}
        raise Conflict(message, code="driving_in_window")


def availability_of_driver(*, user: AbstractBaseUser) -> QuerySet[DriverAvailability]:
    """Her windows that are not over yet."""
    driver = _active_driver(user)
    return DriverAvailability.objects.filter(driver=driver, ends_at__gt=timezone.now()) \
        .select_related("vehicle")


def driver_of_user(user: AbstractBaseUser) -> Driver:
    """The acting driver (removed drivers are not); NotPermitted for anyone else."""
    return _active_driver(user)


def upcoming_windows(*, drivers: list[Driver]) -> dict[int, list[DriverAvailability]]:
    """The coming windows of these drivers, for the coordinators' drivers page."""
    out: dict[int, list[DriverAvailability]] = {}
    for window in DriverAvailability.objects.filter(
            driver__in=drivers, ends_at__gt=timezone.now()).order_by("starts_at")[:500]:
        out.setdefault(window.driver_id, []).append(window)
    return out


# --- facilities served -------------------------------------------------------------------


def facilities_for_program(*, user: AbstractBaseUser) -> list[tuple[Facility, bool, str]]:
    """Every facility with whether the admin's program serves it and, if another program
    does, its name (a facility has one program: its rides must land on one board)."""
    admin = program_admin_of(user)
    served = dict(ProgramFacility.objects.select_related("program").values_list(
        "facility_id", "program__name"))
    mine = set(ProgramFacility.objects.filter(program_id=admin.program_id).values_list(
        "facility_id", flat=True)) if admin.program_id else set()
    return [(f, f.pk in mine, "" if f.pk in mine else served.get(f.pk, ""))
            for f in Facility.objects.order_by("name", "pk")]


def program_facilities_set(*, actor: AbstractBaseUser, facility_ids: list[int]) -> Program:
    """The facilities the actor's program serves, replaced by `facility_ids`: from now on
    their rides are on its board and its planner's. Raises NotPermitted (not its
    administrator), Conflict (no program; a facility another program serves), InvalidInput
    (no such facility). Locks the program (two saves at once apply one after the other)."""
    admin = program_admin_of(actor)
    if admin.program_id is None:
        raise Conflict(_("Your account belongs to no program yet."), code="no_program")
    wanted = set(facility_ids)
    if Facility.objects.filter(pk__in=wanted).count() != len(wanted):
        message = _("Choose facilities from the list.")
        raise InvalidInput(message, fields={"facilities": [message]})
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=admin.program_id)
        taken = ProgramFacility.objects.filter(facility_id__in=wanted).exclude(
            program=program).select_related("facility", "program").first()
        if taken is not None:
            message = _("%(facility)s is served by %(program)s. Ask them to let it go "
                        "first.") % {"facility": taken.facility.name,
                                     "program": taken.program.name}
            raise Conflict(message, fields={"facilities": [message]}, code="served_elsewhere")
        have = set(ProgramFacility.objects.filter(program=program).values_list(
            "facility_id", flat=True))
        ProgramFacility.objects.filter(program=program, facility_id__in=have - wanted).delete()
        ProgramFacility.objects.bulk_create(
            [ProgramFacility(program=program, facility_id=f) for f in sorted(wanted - have)])
        # A facility let go goes to the unnamed program; one taken came from it.
        for facility_id in sorted(have - wanted):
            rides_follow_facility(facility_id=facility_id, old_program_id=program.pk,
                                  new_program_id=None)
        for facility_id in sorted(wanted - have):
            rides_follow_facility(facility_id=facility_id, old_program_id=None,
                                  new_program_id=program.pk)
    return program


def facility_program_set(*, actor: AbstractBaseUser, facility_id: int,
                         program_id: int | None) -> None:
    """A superuser (in the admin) moves a facility to another program, or to none: its rides
    not yet done are unplanned and both programs' coordinators told (see
    `rides_follow_facility`). Raises NotPermitted, NotFound. Locks the facility's row of
    programs (two moves at once apply one after the other)."""
    if not getattr(actor, "is_superuser", False):
        raise NotPermitted(_("Only a site administrator can move a facility."))
    if not Facility.objects.filter(pk=facility_id).exists() or (
            program_id is not None and not Program.objects.filter(pk=program_id).exists()):
        raise NotFound(_("We could not find that facility or program."))
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility_id).first()
        old = ProgramFacility.objects.filter(facility_id=facility_id).values_list(
            "program_id", flat=True).first()
        if program_id is None:
            ProgramFacility.objects.filter(facility_id=facility_id).delete()
        else:
            ProgramFacility.objects.update_or_create(facility_id=facility_id,
                                                     defaults={"program_id": program_id})
        rides_follow_facility(facility_id=facility_id, old_program_id=old,
                              new_program_id=program_id)
