"""REST API of visits: HTTP in, a service or selector call, HTTP out."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.errors import InvalidInput
from scheduler.http import valid
from visits import selectors, services
from visits.access import (
    BOOKING_RELATED,
    facility_of_liaison,
    household_of,
)
from visits.me import me_of
from visits.models import Booking, Household
from visits.serializers import (
    ApprovalDecideSerializer,
    ApprovalSerializer,
    BookingActionSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CloseReasonSerializer,
    ClosureCreateSerializer,
    DeclineReasonSerializer,
    FacilitySerializer,
    HouseholdSerializer,
    MeSerializer,
    OptionalReasonSerializer,
    ResidentSerializer,
    RosterQuerySerializer,
    RosterSessionSerializer,
    SessionQuerySerializer,
    SessionSerializer,
)

MAX_KEY_LENGTH = 80


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            _("The Idempotency-Key header must be 1 to 80 characters."),
            fields={"Idempotency-Key": [_("Use a fresh random value for each new booking.")]},
        )
    return key


class MeApi(APIView):
    """Who is signed in, with her staff roles: the facility she is a liaison at, the
    facilities and programs she administers, the program she coordinates or drives for.
    Also the benchmark's bare authenticated endpoint."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(me_of(request.user))


class FacilityListApi(APIView):
    @extend_schema(responses=FacilitySerializer(many=True))
    def get(self, request: Request) -> Response:
        facilities = selectors.facilities_visible(user=request.user).prefetch_related("units")
        return Response(FacilitySerializer(facilities, many=True).data)


class SessionListApi(APIView):
    @extend_schema(parameters=[SessionQuerySerializer], responses=SessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = valid(SessionQuerySerializer, request.query_params)
        sessions = selectors.sessions_available(
            user=request.user,
            facility_id=query.get("facility"),
            resident_id=query.get("resident"),
            kind=query.get("kind"),
            date_from=query.get("date_from"),
            date_to=query.get("date_to"),
        )[:200]
        return Response(SessionSerializer(sessions, many=True).data)


class HouseholdApi(APIView):
    @extend_schema(responses=HouseholdSerializer)
    def get(self, request: Request) -> Response:
        household = household_of(request.user)
        household = Household.objects.prefetch_related(
            "visitors__approvals__resident"
        ).get(pk=household.pk)
        data = HouseholdSerializer(household).data
        residents = selectors.residents_for_household(user=request.user)
        data["residents"] = ResidentSerializer(residents, many=True).data
        return Response(data)


class BookingListCreateApi(APIView):
    @extend_schema(responses=BookingSerializer(many=True))
    def get(self, request: Request) -> Response:
        bookings = selectors.bookings_for_household(user=request.user)
        return Response(BookingSerializer(bookings, many=True).data)

    @extend_schema(
        request=BookingCreateSerializer,
        responses={201: BookingSerializer, 200: BookingSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request: Request) -> Response:
        data = valid(BookingCreateSerializer, request.data)
        result = services.booking_create(
            actor=request.user,
            session_id=data["session_id"],
            resident_id=data["resident_id"],
            visitor_ids=data["visitor_ids"],
            idempotency_key=idempotency_key(request),
            waitlist_if_full=data["join_waitlist_if_full"],
            support=services.SupportNeeds(
                wheelchair=data["needs_wheelchair"],
                interpreter_language=data["interpreter_language"],
                note=data["support_note"]),
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(BookingSerializer(result.booking).data, status=code)


class WaitlistJoinApi(APIView):
    """Join a full session's waiting list (or book straight away if a place is free)."""

    @extend_schema(request=BookingCreateSerializer, responses={201: BookingSerializer})
    def post(self, request: Request) -> Response:
        data = valid(BookingCreateSerializer, request.data)
        result = services.booking_create(
            actor=request.user,
            session_id=data["session_id"],
            resident_id=data["resident_id"],
            visitor_ids=data["visitor_ids"],
            idempotency_key=idempotency_key(request),
            waitlist_if_full=True,
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(BookingSerializer(result.booking).data, status=code)


def _booking_response(booking_id: int) -> Response:
    booking = Booking.objects.select_related(*BOOKING_RELATED).get(pk=booking_id)
    return Response(BookingSerializer(booking).data)


class BookingActionApi(APIView):
    """POST /bookings/<id>/<action>/ for the family's and the liaison's actions."""

    FAMILY = {"cancel", "accept-offer", "pass-offer"}
    LIAISON = {"confirm", "decline", "check-in", "no-show", "undo"}

    @extend_schema(
        operation_id="v1_bookings_action",
        request=BookingActionSerializer, responses=BookingSerializer,
        parameters=[
            OpenApiParameter("booking_id", int, OpenApiParameter.PATH),
            OpenApiParameter("action", str, OpenApiParameter.PATH,
                             enum=sorted(FAMILY | LIAISON)),
        ],
    )
    def post(self, request: Request, booking_id: int, action: str) -> Response:
        booking = self.run(request, booking_id, action)
        return _booking_response(booking.pk)

    def run(self, request: Request, booking_id: int, action: str) -> Any:
        actor = request.user
        if action == "cancel":
            reason = valid(OptionalReasonSerializer, request.data).get("reason", "")
            return services.booking_cancel(actor=actor, booking_id=booking_id, reason=reason)
        if action == "decline":
            why = valid(DeclineReasonSerializer, request.data)
            return services.booking_decline(actor=actor, booking_id=booking_id, **why)
        simple = {
            "accept-offer": services.offer_accept,
            "pass-offer": services.offer_pass,
            "confirm": services.booking_confirm,
            "undo": services.booking_undo_arrival,
            "check-in": services.booking_check_in,
            "no-show": services.booking_mark_no_show,
        }
        return simple[action](actor=actor, booking_id=booking_id)


class SessionCloseApi(APIView):
    @extend_schema(request=CloseReasonSerializer, responses={200: dict})
    def post(self, request: Request, session_id: int) -> Response:
        why = valid(CloseReasonSerializer, request.data)
        cancelled = services.session_close(actor=request.user, session_id=session_id, **why)
        return Response({"session_id": session_id, "status": "closed", "cancelled": cancelled})


class ClosureCreateApi(APIView):
    @extend_schema(request=ClosureCreateSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = valid(ClosureCreateSerializer, request.data)
        closure, cancelled = services.closure_create(
            actor=request.user,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason", ""),
            unit_ids=data.get("unit_ids"),
        )
        body = {"id": closure.pk, "starts_on": closure.starts_on, "ends_on": closure.ends_on,
                "reason_code": closure.reason_code, "reason_label": closure.reason_label,
                "reason": closure.reason, "cancelled": cancelled}
        return Response(body, status=status.HTTP_201_CREATED)


class RosterApi(APIView):
    @extend_schema(parameters=[RosterQuerySerializer], responses=RosterSessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        facility = facility_of_liaison(request.user)
        day = valid(RosterQuerySerializer, request.query_params).get("date") or timezone.now(
        ).astimezone(facility.tz).date()
        sessions = selectors.roster_for_day(user=request.user, day=day)
        return Response(RosterSessionSerializer(sessions, many=True).data)


class ApprovalListApi(APIView):
    @extend_schema(responses=ApprovalSerializer(many=True))
    def get(self, request: Request) -> Response:
        approvals = selectors.approvals_for_facility(user=request.user)
        return Response(ApprovalSerializer(approvals, many=True).data)


class ApprovalDecideApi(APIView):
    @extend_schema(request=ApprovalDecideSerializer, responses=ApprovalSerializer)
    def post(self, request: Request, approval_id: int) -> Response:
        data = valid(ApprovalDecideSerializer, request.data)
        approval = services.approval_decide(actor=request.user, approval_id=approval_id, **data)
        return Response(ApprovalSerializer(approval).data)
