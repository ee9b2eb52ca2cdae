"""Where a pickup is, when the phone cannot say: an address or ZIP code turned into a point.

A family who refuses location (or whose phone has none) still asks for a ride. The planner
works on straight-line distances, so a ZIP code's centre is close enough to plan with; the
driver still reads the address she typed. The default needs no network: US ZIP centroids
shipped with the `zipcodes` package. A real geocoding service plugs in behind the same
small interface through the GEOCODER setting (a dotted path to a class).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


class Geocoder(Protocol):
    def locate(self, text: str) -> Point | None:
        """The point of an address or ZIP code, or None if it cannot be found."""


def zip_in(text: str) -> str | None:
    """The last five-digit ZIP code in a text ("12 Oak St, Joliet IL 60435" -> "60435")."""
    found = ZIP.findall(text or "")
    return found[-1] if found else None


class ZipCentroidGeocoder:
    """Offline: the centre of the text's US ZIP code, from the `zipcodes` package's data."""

    def locate(self, text: str) -> Point | None:
        import zipcodes  # loads its table on first use only

        code = zip_in(text)
        if code is None:
            return None
        try:
            found = zipcodes.matching(code)
        except (ValueError, TypeError):
            return None
        if not found:
            return None
        return Point(latitude=float(found[0]["lat"]), longitude=float(found[0]["long"]))


@cache
def geocoder() -> Geocoder:
    """The configured geocoder (settings.GEOCODER), made once per process."""
    return import_string(settings.GEOCODER)()
