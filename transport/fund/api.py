"""REST API of the fund: HTTP in, a service or selector call, HTTP out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scheduler.api_inputs import IdField
from scheduler.errors import InvalidInput
from scheduler.throttles import DonationStartThrottle
from transport.fund import selectors
from transport.fund.donations import donation_start
from transport.fund.models import DonationKind, SubsidyKind
from transport.fund.subsidies import subsidy_grant
from transport.models import Leg


def body_of(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The body's fields checked for form (types, sizes, storable text); the service
    checks the rest and names the field to fix."""
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DonationStartSerializer(serializers.Serializer):
    amount = serializers.CharField(max_length=32, help_text=gettext_lazy(
        "In the fund's currency, e.g. \"25.50\"."))
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    earmark = IdField(required=False, allow_null=True, error_messages={
        "invalid": gettext_lazy("Choose a facility from the list."),
        "max_value": gettext_lazy("Choose a facility from the list."),
        "min_value": gettext_lazy("Choose a facility from the list.")})
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=DonationKind.choices, required=False)
    program = IdField(required=False, allow_null=True, help_text=gettext_lazy(
        "The program whose fund the gift goes to: needed when there are several (unless the "
        "facility chosen names it)."), error_messages={
        "invalid": gettext_lazy("Choose a program from the list."),
        "max_value": gettext_lazy("Choose a program from the list."),
        "min_value": gettext_lazy("Choose a program from the list.")})


class DonationStartedSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DonationKind.choices)
    client_secret = serializers.CharField()
    intent_id = serializers.CharField()
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()


class SubsidyGrantSerializer(serializers.Serializer):
    booking = IdField(error_messages={"invalid": gettext_lazy("Choose a visit.")})
    kind = serializers.ChoiceField(choices=SubsidyKind.choices)
    # Loose on purpose: the service explains a wrong amount in words.
    amount_cents = serializers.JSONField(required=False, allow_null=True)
    miles = serializers.JSONField(required=False, allow_null=True)
    ride_reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    # A ride seat: which leg of the visit's planned ride ("" or left out: both).
    leg = serializers.ChoiceField(choices=Leg.choices, required=False, allow_blank=True)


SUBSIDY = inline_serializer("Subsidy", {
    "id": serializers.IntegerField(), "booking": serializers.IntegerField(),
    "household": serializers.IntegerField(), "facility": serializers.CharField(),
    "visit_starts_at": serializers.DateTimeField(), "kind": serializers.CharField(),
    "amount_cents": serializers.IntegerField(),
    "miles": serializers.IntegerField(allow_null=True), "status": serializers.CharField(),
    # Why a released grant ended (the visit moved to a video call...), in her language.
    "release_reason": serializers.CharField(),
    "granted_at": serializers.DateTimeField(),
    "ride_request": serializers.IntegerField(allow_null=True), "leg": serializers.CharField(),
    "trips": inline_serializer("SubsidyTrip", {
        "leg": serializers.CharField(), "trip_id": serializers.IntegerField(),
        "day": serializers.DateField()}, many=True),
})
BALANCE = inline_serializer("FundBalance", {
    "currency": serializers.CharField(), "balance_cents": serializers.IntegerField(),
    "general_cents": serializers.IntegerField(),
    "earmarked": inline_serializer("EarmarkedBalance", {
        "facility": serializers.IntegerField(), "facility_name": serializers.CharField(),
        "balance_cents": serializers.IntegerField()}, many=True),
})


class DonationIntentView(APIView):
    """Start a gift: returns the client secret for Stripe's Payment Element.

    Anyone may give, signed in or not. `kind` is `one_time` (a PaymentIntent) or `monthly`
    (a SetupIntent; the subscription starts once the card is saved).
    """

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [DonationStartThrottle]

    @extend_schema(request=DonationStartSerializer, responses={201: DonationStartedSerializer},
                   auth=[])
    def post(self, request: Request) -> Response:
        data = body_of(request, DonationStartSerializer)
        started = donation_start(
            amount=data.get("amount"), email=data.get("email"), name=data.get("name", ""),
            earmark=data.get("earmark"), currency=data.get("currency"),
            kind=data.get("kind") or "one_time", program=data.get("program"),
        )
        return Response({
            "kind": started.kind, "client_secret": started.client_secret,
            "intent_id": started.intent_id, "amount_cents": started.amount_cents,
            "currency": started.currency,
        }, status=status.HTTP_201_CREATED)


class SubsidyGrantView(APIView):
    """Coordinators: grant a family help for a visit; list what was paid."""

    @extend_schema(request=SubsidyGrantSerializer, responses={201: SUBSIDY})
    def post(self, request: Request) -> Response:
        data = body_of(request, SubsidyGrantSerializer)
        subsidy = subsidy_grant(
            actor=request.user, booking_id=data.get("booking"), kind=data.get("kind"),
            amount_cents=data.get("amount_cents"), miles=data.get("miles"),
            ride_reference=data.get("ride_reference", ""), note=data.get("note", ""),
            leg=data.get("leg", ""),
        )
        return Response(selectors.subsidy_payload(subsidy), status=status.HTTP_201_CREATED)

    @extend_schema(responses=SUBSIDY.__class__(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.subsidy_report(user=request.user)
        return Response([selectors.subsidy_payload(s) for s in rows])


ENTRY = inline_serializer("LedgerEntry", {
    "id": serializers.IntegerField(), "recorded_at": serializers.DateTimeField(),
    "kind": serializers.CharField(), "amount_cents": serializers.IntegerField(),
    "facility": serializers.IntegerField(allow_null=True),
    "facility_name": serializers.CharField(allow_null=True),
    "donation": serializers.IntegerField(allow_null=True),
    "subsidy": serializers.IntegerField(allow_null=True),
    "reverses": serializers.IntegerField(allow_null=True), "memo": serializers.CharField(),
})
GIFT = inline_serializer("Gift", {
    "id": serializers.IntegerField(), "created_at": serializers.DateTimeField(),
    "paid_at": serializers.DateTimeField(allow_null=True), "kind": serializers.CharField(),
    "status": serializers.CharField(), "amount_cents": serializers.IntegerField(),
    "currency": serializers.CharField(), "name": serializers.CharField(),
    "facility": serializers.IntegerField(allow_null=True),
    "facility_name": serializers.CharField(allow_null=True),
})
LIST_LIMIT = 500


class FundBalanceView(APIView):
    """Coordinators: her program's fund's balance, and how much is kept for each facility."""

    @extend_schema(responses=BALANCE)
    def get(self, request: Request) -> Response:
        return Response(selectors.balance_summary(user=request.user))


class FundLedgerView(APIView):
    """Coordinators: her program's fund's ledger, newest first (the last 500 entries)."""

    @extend_schema(responses=ENTRY.__class__(many=True))
    def get(self, request: Request) -> Response:
        entries = selectors.ledger_for(user=request.user)[:LIST_LIMIT]
        return Response([selectors.entry_payload(e) for e in entries])


class FundGiftsView(APIView):
    """Coordinators: the gifts to her program's fund, newest first (the last 500)."""

    @extend_schema(responses=GIFT.__class__(many=True))
    def get(self, request: Request) -> Response:
        gifts = selectors.donations_for(user=request.user)[:LIST_LIMIT]
        return Response([selectors.donation_payload(g) for g in gifts])
