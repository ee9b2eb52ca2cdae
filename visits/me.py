"""What `/api/v1/me/` says of the signed-in person: her roles and the places and programs
she holds them for (ids and names, never anyone else's data).

Visits knows households and facilities; a higher part (transport: programs, coordinators,
drivers) adds its own through `me_part_register` in its AppConfig.ready(), since visits
may not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from visits.models import Household, Liaison

MePart = Callable[[AbstractBaseUser], dict[str, Any]]
_parts: list[MePart] = []


def me_part_register(part: MePart) -> None:
    """Add a part's fields to `me`; its `roles` are appended to the list."""
    if part not in _parts:
        _parts.append(part)


def me_of(user: AbstractBaseUser) -> dict[str, Any]:
    roles: list[str] = []
    if Household.objects.filter(caregiver_id=user.pk).exists():
        roles.append("caregiver")
    liaison = Liaison.objects.filter(user_id=user.pk).select_related("facility").first()
    if liaison is not None:
        roles.append("liaison")
    me: dict[str, Any] = {
        "id": user.pk, "username": user.get_username(), "roles": roles,
        "liaison_at": _named(liaison.facility) if liaison else None,
        "facilities_administered": [_named(liaison.facility)]
        if liaison is not None and liaison.is_admin else [],
    }
    for part in _parts:
        extra = dict(part(user))
        roles.extend(extra.pop("roles", []))
        me.update(extra)
    return me


def _named(thing: Any) -> dict[str, Any]:
    return {"id": thing.pk, "name": thing.name}
