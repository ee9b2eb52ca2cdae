"""REST API of request rounds: HTTP in, a service or selector call, HTTP out."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.errors import NotPermitted
from scheduler.http import valid
from visits import round_selectors as selectors
from visits import services
from visits.access import facility_of_liaison, is_caregiver, is_liaison
from visits.serializers_rounds import (
    ChanceSerializer,
    RequestSerializer,
    RequestSubmitSerializer,
    RequestWriteSerializer,
    RoundDetailSerializer,
    RoundQuerySerializer,
    RoundSerializer,
    VerifySerializer,
)


def _request_response(user: object, request_id: int, code: int = status.HTTP_200_OK) -> Response:
    request = selectors.request_of_household(user=user, request_id=request_id)
    return Response(RequestSerializer(request).data, status=code)


class RequestListSubmitApi(APIView):
    """A caregiver's own requests; POST sends a new one."""

    @extend_schema(responses=RequestSerializer(many=True))
    def get(self, request: Request) -> Response:
        own = selectors.requests_for_household(user=request.user)
        return Response(RequestSerializer(own, many=True).data)

    @extend_schema(request=RequestSubmitSerializer, responses={201: RequestSerializer})
    def post(self, request: Request) -> Response:
        data = valid(RequestSubmitSerializer, request.data)
        sent = services.request_submit(actor=request.user, **data)
        return _request_response(request.user, sent.pk, status.HTTP_201_CREATED)


class RequestDetailApi(APIView):
    """One of the caregiver's own requests; PUT changes who comes and the choices."""

    @extend_schema(responses=RequestSerializer)
    def get(self, request: Request, request_id: int) -> Response:
        return _request_response(request.user, request_id)

    @extend_schema(request=RequestWriteSerializer, responses=RequestSerializer)
    def put(self, request: Request, request_id: int) -> Response:
        data = valid(RequestWriteSerializer, request.data)
        services.request_change(actor=request.user, request_id=request_id, **data)
        return _request_response(request.user, request_id)


class RequestWithdrawApi(APIView):
    @extend_schema(request=None, responses=RequestSerializer)
    def post(self, request: Request, request_id: int) -> Response:
        services.request_withdraw(actor=request.user, request_id=request_id)
        return _request_response(request.user, request_id)


class RoundListApi(APIView):
    """A liaison's facility's rounds; a caregiver's open rounds for `?resident=<id>`."""

    @extend_schema(parameters=[RoundQuerySerializer], responses=RoundSerializer(many=True))
    def get(self, request: Request) -> Response:
        user = request.user
        if is_liaison(user):
            rounds = selectors.rounds_for_facility(user=user)[:100]
        elif is_caregiver(user):
            resident = valid(RoundQuerySerializer, request.query_params).get("resident")
            rounds = selectors.rounds_open_for_resident(
                user=user, resident_id=resident) if resident else []
        else:
            raise NotPermitted()
        return Response(RoundSerializer(rounds, many=True).data)


class RoundDetailApi(APIView):
    """For the facility's liaison: requests, result, seed and why each got what it got."""

    @extend_schema(responses=RoundDetailSerializer)
    def get(self, request: Request, round_id: int) -> Response:
        rnd = selectors.round_for_liaison(user=request.user, round_id=round_id)
        return Response(RoundDetailSerializer(rnd).data)


class RoundChancesApi(APIView):
    """Requests per place for each session of a round (counts only, no names)."""

    @extend_schema(responses=ChanceSerializer(many=True))
    def get(self, request: Request, round_id: int) -> Response:
        rnd, found = selectors.round_chances(user=request.user, round_id=round_id)
        return Response({"round_id": rnd.pk, "deadline": rnd.deadline,
                         "sessions": ChanceSerializer(found.values(), many=True).data})


class RoundVerifyApi(APIView):
    """Re-run a drawn round from its recorded inputs and seed and compare."""

    @extend_schema(request=None, responses=VerifySerializer)
    def post(self, request: Request, round_id: int) -> Response:
        facility_of_liaison(request.user)  # a clear 403 for anyone who is not staff
        result = services.round_verify(actor=request.user, round_id=round_id)
        return Response(VerifySerializer(asdict(result)).data)
