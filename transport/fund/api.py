"""REST API of the fund: HTTP in, a service or selector call, HTTP out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.errors import InvalidInput
from transport.access import check_coordinator
from transport.fund import selectors
from transport.fund.donations import donation_start
from transport.fund.subsidies import subsidy_grant


def body_of(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    return request.data


class DonationIntentView(APIView):
    """Start a gift: returns the client secret for Stripe's Payment Element.

    Anyone may give, signed in or not. `kind` is `one_time` (a PaymentIntent) or `monthly`
    (a SetupIntent; the subscription starts once the card is saved).
    """

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=None, responses=None)
    def post(self, request: Request) -> Response:
        data = body_of(request)
        started = donation_start(
            amount=data.get("amount"), email=data.get("email"), name=data.get("name", ""),
            earmark=data.get("earmark"), currency=data.get("currency"),
            kind=data.get("kind") or "one_time",
        )
        return Response({
            "kind": started.kind, "client_secret": started.client_secret,
            "intent_id": started.intent_id, "amount_cents": started.amount_cents,
            "currency": started.currency,
        }, status=status.HTTP_201_CREATED)


class SubsidyGrantView(APIView):
    """Coordinators: grant a family help for a visit; list what was paid."""

    @extend_schema(request=None, responses=None)
    def post(self, request: Request) -> Response:
        data = body_of(request)
        subsidy = subsidy_grant(
            actor=request.user, booking_id=data.get("booking"), kind=data.get("kind"),
            amount_cents=data.get("amount_cents"), miles=data.get("miles"),
            ride_reference=data.get("ride_reference", ""), note=data.get("note", ""),
        )
        return Response(selectors.subsidy_payload(subsidy), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=None)
    def get(self, request: Request) -> Response:
        rows = selectors.subsidy_report(user=request.user)
        return Response([selectors.subsidy_payload(s) for s in rows])


class FundBalanceView(APIView):
    """Coordinators: the fund's balance, and how much is kept for each facility."""

    @extend_schema(request=None, responses=None)
    def get(self, request: Request) -> Response:
        check_coordinator(request.user)
        return Response(selectors.balance_summary())
