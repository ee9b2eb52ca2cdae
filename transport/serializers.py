"""API shapes of transport. Input serializers check form only; the services decide the rest.

Output differs by reader: a family sees her own requests; a driver sees stops with riders'
first names and pickup points; a coordinator sees the whole board.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from scheduler.api_inputs import (
    IdField,
    SaneDateField,
    SaneDateTimeField,
    StrictBooleanField,
    StrictFloatField,
)
from transport.models import PlanRun, RideRequest, Stop, StopStatus, Trip, UnservedReason
from transport.selectors import first_names


class RideRequestCreateSerializer(serializers.Serializer):
    booking_id = IdField()
    pickup_label = serializers.CharField(max_length=200)
    pickup_latitude = StrictFloatField(min_value=-90, max_value=90)
    pickup_longitude = StrictFloatField(min_value=-180, max_value=180)
    adults = serializers.IntegerField(min_value=1, max_value=20, default=1)
    children = serializers.IntegerField(min_value=0, max_value=20, default=0)
    child_seats = serializers.IntegerField(min_value=0, max_value=20, default=0)
    wheelchair_places = serializers.IntegerField(min_value=0, max_value=20, default=0)
    outbound = StrictBooleanField(default=True)
    return_trip = StrictBooleanField(default=True)
    earliest_pickup = SaneDateTimeField(required=False, allow_null=True, default=None)


class PinSerializer(serializers.Serializer):
    """`{"trip_id": id}` or `{"driver_id": id}` pins; `{"trip_id": null}` unpins."""

    trip_id = IdField(allow_null=True, required=False)
    driver_id = IdField(allow_null=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "trip_id" not in attrs and "driver_id" not in attrs:
            raise serializers.ValidationError(
                {"trip_id": [_("Give a trip_id or a driver_id (null unpins).")]})
        if attrs.get("trip_id") is not None and attrs.get("driver_id") is not None:
            raise serializers.ValidationError(
                {"driver_id": [_("Pin to a trip or to a driver, not both.")]})
        return attrs


class StopStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[StopStatus.PICKED_UP, StopStatus.DROPPED_OFF])


class PlanStartSerializer(serializers.Serializer):
    date = SaneDateField()
    facility_id = IdField(required=False, allow_null=True, default=None)


class DayQuerySerializer(serializers.Serializer):
    date = SaneDateField(required=False)
    facility = IdField(required=False)


def reason_text(request: RideRequest) -> str:
    return str(UnservedReason(request.unserved_reason).label) if request.unserved_reason else ""


class RideRequestSerializer(serializers.ModelSerializer):
    """A family's own request, with the pickup times once planned."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.SerializerMethodField()
    outbound_pickup_at = serializers.SerializerMethodField()
    return_pickup_at = serializers.SerializerMethodField()

    class Meta:
        model = RideRequest
        fields = [
            "id", "booking_id", "status", "status_label", "unserved_reason", "reason",
            "pickup_label", "pickup_latitude", "pickup_longitude", "adults", "children",
            "child_seats", "wheelchair_places", "outbound", "return_trip", "earliest_pickup",
            "outbound_pickup_at", "return_pickup_at", "created_at",
        ]

    def get_reason(self, request: RideRequest) -> str:
        return reason_text(request)

    def _pickup(self, request: RideRequest, leg: str) -> Any:
        for stop in request.stops.all():
            if stop.leg == leg and stop.kind == "pickup":
                return stop.planned_at.isoformat()
        return None

    def get_outbound_pickup_at(self, request: RideRequest) -> str | None:
        return self._pickup(request, "outbound")

    def get_return_pickup_at(self, request: RideRequest) -> str | None:
        return self._pickup(request, "return")


class DriverStopSerializer(serializers.ModelSerializer):
    """A stop as its driver sees it: first names and the place, nothing more."""

    riders = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    children = serializers.IntegerField(source="request.children", read_only=True)
    adults = serializers.IntegerField(source="request.adults", read_only=True)
    child_seats = serializers.IntegerField(source="request.child_seats", read_only=True)
    wheelchair_places = serializers.IntegerField(source="request.wheelchair_places",
                                                 read_only=True)

    class Meta:
        model = Stop
        fields = ["id", "position", "kind", "kind_label", "leg", "label", "latitude",
                  "longitude", "planned_at", "status", "riders", "adults", "children",
                  "child_seats", "wheelchair_places"]

    def get_riders(self, stop: Stop) -> list[str]:
        return first_names(stop.request)


class DriverTripSerializer(serializers.ModelSerializer):
    vehicle = serializers.CharField(source="vehicle.name", read_only=True)
    stops = DriverStopSerializer(many=True, read_only=True)

    class Meta:
        model = Trip
        fields = ["id", "day", "status", "vehicle", "starts_at", "ends_at", "stops"]


class BoardStopSerializer(DriverStopSerializer):
    class Meta(DriverStopSerializer.Meta):
        fields = [*DriverStopSerializer.Meta.fields, "request_id"]


class BoardTripSerializer(serializers.ModelSerializer):
    driver = serializers.SerializerMethodField()
    vehicle = serializers.CharField(source="vehicle.name", read_only=True)
    stops = BoardStopSerializer(many=True, read_only=True)

    class Meta:
        model = Trip
        fields = ["id", "day", "status", "driver", "vehicle", "starts_at", "ends_at",
                  "driving_minutes", "stops"]

    def get_driver(self, trip: Trip) -> str:
        user = trip.driver.user
        return user.get_full_name() or user.get_username()


class BoardRequestSerializer(RideRequestSerializer):
    household = serializers.CharField(source="booking.household.name", read_only=True)
    facility = serializers.CharField(source="booking.session.facility.name", read_only=True)
    session_starts_at = serializers.DateTimeField(source="booking.session.starts_at",
                                                  read_only=True)
    pinned_trip_id = serializers.IntegerField(read_only=True)
    pinned_driver_id = serializers.IntegerField(read_only=True)

    class Meta(RideRequestSerializer.Meta):
        fields = [*RideRequestSerializer.Meta.fields, "household", "facility",
                  "session_starts_at", "pinned_trip_id", "pinned_driver_id", "unserved_detail"]


class PlanRunSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PlanRun
        fields = ["id", "day", "facility_id", "status", "status_label", "requests_count",
                  "drivers_count", "planned_count", "unserved_count", "trips_count", "seconds",
                  "error", "created_at", "started_at", "finished_at"]


class BoardSerializer(serializers.Serializer):
    day = serializers.DateField()
    facility_id = serializers.SerializerMethodField()
    requests = BoardRequestSerializer(many=True)
    trips = BoardTripSerializer(many=True)
    last_run = PlanRunSerializer(allow_null=True)

    def get_facility_id(self, board: Any) -> int | None:
        return board.facility.pk if board.facility else None


