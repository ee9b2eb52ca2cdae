"""API shapes of the inbox and preferences. Input serializers check form only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.delivery import rendered
from notifications.models import Delivery, Preference
from notifications.preferences import FIELDS
from scheduler.api_inputs import IdField


class InboxItemSerializer(serializers.ModelSerializer):
    """One message, worded in the reader's (active) language when it was stored translatable."""

    event_id = serializers.IntegerField(read_only=True)
    type = serializers.CharField(source="event.type", read_only=True)
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    data = serializers.JSONField(source="event.data", read_only=True)
    urgent = serializers.BooleanField(source="event.urgent", read_only=True)
    created_at = serializers.DateTimeField(source="event.created_at", read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "event_id", "type", "title", "body", "data", "urgent", "created_at",
                  "read", "read_at"]

    def get_title(self, delivery: Delivery) -> str:
        return rendered(delivery.event)[0]

    def get_body(self, delivery: Delivery) -> str:
        return rendered(delivery.event)[1]

    def get_read(self, delivery: Delivery) -> bool:
        return delivery.read_at is not None


class InboxQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    before = IdField(required=False, help_text=_("An event id: show older messages."))
    unread = serializers.BooleanField(default=False)


@extend_schema_field({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                     "example": "21:00", "nullable": True})
class ClockField(serializers.TimeField):
    """A wall-clock time written and read as `HH:MM` (not OpenAPI's `time`, which has seconds
    and a zone)."""


class InboxPageSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()
    results = InboxItemSerializer(many=True)


class PreferenceSerializer(serializers.ModelSerializer):
    """Every field optional on input: the ones left out keep their value."""

    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    phone = serializers.CharField(max_length=32, allow_blank=True, required=False)
    quiet_start = ClockField(format="%H:%M", allow_null=True, required=False)
    quiet_end = ClockField(format="%H:%M", allow_null=True, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)

    class Meta:
        model = Preference
        fields = list(FIELDS)
        extra_kwargs = {
            "email_enabled": {"required": False},
            "sms_enabled": {"required": False},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(FIELDS))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not known.")] for name in unknown}
                )
        return attrs
