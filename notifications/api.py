"""REST API of the inbox and notification preferences: HTTP in, a service call, HTTP out."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.preferences import preference_of, preference_update
from notifications.serializers import (
    InboxItemSerializer,
    InboxPageSerializer,
    InboxQuerySerializer,
    PreferenceSerializer,
)
from scheduler.http import valid


class InboxApi(APIView):
    """The signed-in user's own messages, newest first."""

    @extend_schema(parameters=[InboxQuerySerializer], responses=InboxPageSerializer)
    def get(self, request: Request) -> Response:
        query = valid(InboxQuerySerializer, request.query_params)
        items = selectors.inbox_page(user=request.user, limit=query["limit"],
                                     before=query.get("before"), unread=query["unread"])
        return Response({
            "unread_count": selectors.unread_count(user=request.user),
            "results": InboxItemSerializer(items, many=True).data,
        })


class InboxReadApi(APIView):
    @extend_schema(request=None, responses=InboxItemSerializer)
    def post(self, request: Request, delivery_id: int) -> Response:
        delivery = services.delivery_mark_read(user=request.user, delivery_id=delivery_id)
        return Response(InboxItemSerializer(delivery).data)


class InboxReadAllApi(APIView):
    @extend_schema(request=None, responses={200: inline_serializer(
        "MarkedRead", {"marked_read": serializers.IntegerField()})})
    def post(self, request: Request) -> Response:
        return Response({"marked_read": services.inbox_mark_all_read(user=request.user)})


class PreferenceApi(APIView):
    """How the signed-in user wants to hear from us: email, SMS, language, quiet hours."""

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request: Request) -> Response:
        return Response(PreferenceSerializer(preference_of(request.user)).data)

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def put(self, request: Request) -> Response:
        changes = valid(PreferenceSerializer, request.data, partial=True)
        return Response(PreferenceSerializer(preference_update(user=request.user, **changes)).data)
