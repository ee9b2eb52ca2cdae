"""Which program a ride belongs to: the one serving its booking's facility.

A facility no program serves belongs to the unnamed program (program id None), which the
coordinators made before programs existed share; so every ride has exactly one program.
"""

from __future__ import annotations

from django.db.models import Q

FACILITY = "booking__session__facility"


def facilities_q(program_id: int | None, path: str = "") -> Q:
    """Facilities (at `path`, a lookup prefix ending in '__' or empty) the program serves."""
    if program_id is None:
        return Q(**{f"{path}ride_program__isnull": True})
    return Q(**{f"{path}ride_program__program_id": program_id})


def rides_q(program_id: int | None) -> Q:
    """Ride requests of the program."""
    return facilities_q(program_id, f"{FACILITY}__")


def grants_q(program_id: int | None) -> Q:
    """Travel-fund grants of the program: those drawn from its fund (a grant is made for a
    visit to one of its facilities, and stays the program's if the facility moves)."""
    return Q(fund__program_id=program_id)  # None: the unnamed program's fund


def trips_q(program_id: int | None) -> Q:
    """Trips of the program: its drivers drive them."""
    return Q(driver__program_id=program_id)


def program_of_facility(facility_id: int) -> int | None:
    from transport.models import ProgramFacility

    return ProgramFacility.objects.filter(facility_id=facility_id).values_list(
        "program_id", flat=True).first()
