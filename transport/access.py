"""Who may see and do what in transport: coordinators everything, a driver her own trips."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from scheduler.errors import NotPermitted
from transport.models import Coordinator, Driver


def is_coordinator(user: AbstractBaseUser | None) -> bool:
    return bool(user and user.pk) and Coordinator.objects.filter(user_id=user.pk).exists()


def is_driver(user: AbstractBaseUser | None) -> bool:
    return bool(user and user.pk) and Driver.objects.filter(user_id=user.pk, active=True).exists()


def check_coordinator(user: AbstractBaseUser) -> None:
    """NotPermitted unless the user plans rides."""
    if not is_coordinator(user):
        raise NotPermitted(_("Only a transport coordinator can do this."))


def driver_of(user: AbstractBaseUser) -> Driver:
    """The acting driver's profile; NotPermitted for any other account."""
    driver = Driver.objects.filter(user_id=user.pk, active=True).first()
    if driver is None:
        raise NotPermitted(_("Only a volunteer driver can see this."))
    return driver


def coordinator_program(user: AbstractBaseUser) -> int | None:
    """The acting coordinator's program id (None: the unnamed program); NotPermitted for
    anyone else. Her board, plans and exports hold only this program's rides."""
    row = Coordinator.objects.filter(user_id=user.pk).values_list("program_id", flat=True)
    found = list(row[:1])
    if not found:
        raise NotPermitted(_("Only a transport coordinator can do this."))
    return found[0]


def me_part(user: AbstractBaseUser) -> dict[str, Any]:
    """Her transport roles for `/api/v1/me/` (visits.me asks; transport registers this):
    the program she coordinates (and administers) and the one she drives for."""
    coordinator = Coordinator.objects.filter(user_id=user.pk).select_related("program").first()
    driver = Driver.objects.filter(user_id=user.pk, active=True).select_related(
        "program").first()
    roles = [role for role, row in (("coordinator", coordinator), ("driver", driver)) if row]
    return {
        "roles": roles,
        "coordinates_for": _program(coordinator.program) if coordinator else None,
        "programs_administered": [_program(coordinator.program)]
        if coordinator and coordinator.is_admin and coordinator.program else [],
        "drives_for": _program(driver.program) if driver else None,
    }


def _program(program: Any) -> dict[str, Any]:
    """Id and name; both null for the unnamed program (accounts made before programs)."""
    return {"id": program.pk if program else None, "name": program.name if program else None}
