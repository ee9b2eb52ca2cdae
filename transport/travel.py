"""Travel times between places, behind a small interface a routing service can replace.

The default is the straight line between two points (haversine) times a road factor, driven
at an average speed. A routing service (OSRM, Valhalla, ...) would implement the same
`TravelTimes.minutes_matrix` and be named in the TRANSPORT_TRAVEL_TIMES setting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


class TravelTimes(Protocol):
    def minutes_matrix(self, points: Sequence[Point]) -> list[list[float]]:
        """Driving minutes from every point to every other (0 on the diagonal)."""
        ...


def haversine_km(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class StraightLine:
    """Straight-line distance × road factor ÷ average speed."""

    road_factor: float = 1.3
    average_kmh: float = 70.0

    def minutes(self, a: Point, b: Point) -> float:
        return haversine_km(a, b) * self.road_factor / self.average_kmh * 60.0

    def minutes_matrix(self, points: Sequence[Point]) -> list[list[float]]:
        return [[self.minutes(a, b) for b in points] for a in points]

    @classmethod
    def from_settings(cls) -> StraightLine:
        return cls(road_factor=settings.TRANSPORT_ROAD_FACTOR,
                   average_kmh=settings.TRANSPORT_AVERAGE_KMH)


def travel_times() -> TravelTimes:
    """The configured travel-time source (TRANSPORT_TRAVEL_TIMES, a dotted class path)."""
    path = settings.TRANSPORT_TRAVEL_TIMES
    if path == "transport.travel.StraightLine":
        return StraightLine.from_settings()
    return import_string(path)()
