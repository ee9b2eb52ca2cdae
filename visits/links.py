"""Where the visits app's messages lead their reader in the inbox (notifications.links)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse


def _keeps_household(reader: Any) -> bool:
    try:
        return reader.household is not None
    except (ObjectDoesNotExist, AttributeError):
        return False


def booking_link(type: str, data: Mapping[str, Any], reader: Any) -> str | None:
    """A family's message about one of her visits (a freed place to accept, a closure, a
    confirmation) leads to that visit on "My visits"; staff have the roster."""
    booking_id = data.get("booking_id")
    if not isinstance(booking_id, int) or not _keeps_household(reader):
        return None
    return f"{reverse('my-bookings')}#booking-{booking_id}"


def application_link(type: str, data: Mapping[str, Any], reader: Any) -> str | None:
    """A family's message about her visitor application leads to her applications."""
    return reverse("applications") if _keeps_household(reader) else None


def family_link(type: str, data: Mapping[str, Any], reader: Any) -> str | None:
    """A family's message about who may visit leads to her family's page."""
    return reverse("household") if _keeps_household(reader) else None
