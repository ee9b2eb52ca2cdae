"""REST API of transport: HTTP in, a service or selector call, HTTP out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.errors import InvalidInput, NotFound
from scheduler.http import valid
from transport import selectors, services
from transport.access import coordinator_program
from transport.models import PlanRun, RideRequest
from transport.serializers import (
    BoardSerializer,
    DayQuerySerializer,
    DriverStopSerializer,
    DriverTripSerializer,
    PinSerializer,
    PlanRunSerializer,
    PlanStartSerializer,
    RideRequestCreateSerializer,
    RideRequestSerializer,
    StopStatusSerializer,
)


def _ride_response(request_id: int, code: int = status.HTTP_200_OK) -> Response:
    ride = RideRequest.objects.prefetch_related("stops").get(pk=request_id)
    return Response(RideRequestSerializer(ride).data, status=code)


MAX_KEY_LENGTH = 80


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header, as on bookings: a phone sends it again on a retry."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("The Idempotency-Key header must be 1 to 80 characters."),
            fields={"Idempotency-Key": [_("Use a fresh random value for each new ride request.")]},
        )
    return key


class RideRequestListCreateApi(APIView):
    """A caregiver's own ride requests; ask for a ride for one of her bookings."""

    @extend_schema(responses=RideRequestSerializer(many=True))
    def get(self, request: Request) -> Response:
        rides = selectors.rides_for_household(user=request.user)
        return Response(RideRequestSerializer(rides, many=True).data)

    @extend_schema(
        request=RideRequestCreateSerializer,
        responses={201: RideRequestSerializer, 200: RideRequestSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key(request)
        data = dict(valid(RideRequestCreateSerializer, request.data))
        booking_id = data.pop("booking_id")
        result = services.ride_request_ask(
            actor=request.user, booking_id=booking_id, ask=services.RideAsk(**data),
            idempotency_key=key)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return _ride_response(result.request.pk, code)


class RideRequestCancelApi(APIView):
    @extend_schema(request=None, responses=RideRequestSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        ride = services.ride_request_cancel(actor=request.user, request_id=request_id)
        return _ride_response(ride.pk)


class RideRequestPinApi(APIView):
    """Pin a request to a trip (`trip_id`) or a driver for its day (`driver_id`), or unpin it
    (`null`); re-plan to apply."""

    @extend_schema(request=PinSerializer, responses=RideRequestSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        data = valid(PinSerializer, request.data)
        ride = services.ride_request_pin(actor=request.user, request_id=request_id,
                                         trip_id=data.get("trip_id"),
                                         driver_id=data.get("driver_id"))
        return _ride_response(ride.pk)


def _day(request: Request, query: dict[str, Any]) -> dt.date:
    return query.get("date") or selectors.today_for(request.user)


class BoardApi(APIView):
    """The coordinator's day: requests (with reasons), trips and stops, the last plan."""

    @extend_schema(parameters=[DayQuerySerializer], responses=BoardSerializer)
    def get(self, request: Request) -> Response:
        query = valid(DayQuerySerializer, request.query_params)
        board = selectors.board_for_day(user=request.user, day=_day(request, query),
                                        facility_id=query.get("facility"))
        return Response(BoardSerializer(board).data)


class PlanStartApi(APIView):
    """Queue planning a day in the background; watch it at /rides/plan/<id>/ or live."""

    @extend_schema(request=PlanStartSerializer, responses={202: PlanRunSerializer})
    def post(self, request: Request) -> Response:
        data = valid(PlanStartSerializer, request.data)
        run = services.plan_run_start(actor=request.user, day=data["date"],
                                      facility_id=data["facility_id"])
        return Response(PlanRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class PlanRunApi(APIView):
    @extend_schema(responses=PlanRunSerializer)
    def get(self, request: Request, run_id: int) -> Response:
        # Another program's run is not found: its counts are that program's business.
        program_id = coordinator_program(request.user)
        run = PlanRun.objects.filter(pk=run_id, program_id=program_id).first()
        if run is None:
            raise NotFound()
        return Response(PlanRunSerializer(run).data)


class DriverTripsApi(APIView):
    """A driver's own trips (a day, or from today on): first names and pickup points only."""

    @extend_schema(parameters=[DayQuerySerializer], responses=DriverTripSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = valid(DayQuerySerializer, request.query_params)
        trips = selectors.trips_for_driver(user=request.user, day=query.get("date"))
        return Response(DriverTripSerializer(trips, many=True).data)


class StopStatusApi(APIView):
    @extend_schema(request=StopStatusSerializer, responses=DriverStopSerializer)
    def post(self, request: Request, stop_id: int) -> Response:
        data = valid(StopStatusSerializer, request.data)
        stop = services.stop_mark(actor=request.user, stop_id=stop_id, status=data["status"])
        return Response(DriverStopSerializer(stop).data)
