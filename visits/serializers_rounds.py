"""API shapes of request rounds. Input serializers validate form only; services decide."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from scheduler.api_inputs import IdField, id_list
from visits.round_models import MAX_CHOICES, RequestRound, VisitRequest
from visits.round_text import outcome_lines, priorities_text
from visits.serializers import SessionSerializer

CHOOSE_TIMES = _("Choose one, two or three times, best first.")


class RequestWriteSerializer(serializers.Serializer):
    visitor_ids = id_list(
        max_length=12,
        error_messages={"min_length": _("Choose at least one person who is coming."),
                        "empty": _("Choose at least one person who is coming.")},
    )
    choices = id_list(
        max_length=MAX_CHOICES,
        error_messages={"min_length": CHOOSE_TIMES, "max_length": CHOOSE_TIMES,
                        "empty": CHOOSE_TIMES},
    )


class RequestSubmitSerializer(RequestWriteSerializer):
    round_id = IdField()
    resident_id = IdField()


class RoundQuerySerializer(serializers.Serializer):
    resident = IdField(required=False, help_text=_("Caregivers: the resident whose open "
                                                   "rounds to list."))


class RoundSerializer(serializers.ModelSerializer):
    """What anyone who may send a request sees of a round (no seed before the draw)."""

    facility_name = serializers.CharField(source="facility.name", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta:
        model = RequestRound
        fields = ["id", "facility", "facility_name", "rule_name", "week_start", "opens_at",
                  "deadline", "status", "allocated_at", "sessions"]


class ChanceSerializer(serializers.Serializer):
    session_id = serializers.IntegerField(source="session.pk")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    places = serializers.IntegerField()
    requests = serializers.IntegerField()
    first_choices = serializers.IntegerField()
    requests_per_place = serializers.FloatField(source="per_place", allow_null=True)


class RequestSerializer(serializers.ModelSerializer):
    """A household's own request, with its outcome and why (for its caregiver)."""

    round = serializers.IntegerField(source="round_id", read_only=True)
    resident_first_name = serializers.CharField(source="resident.first_name", read_only=True)
    choices = serializers.ListField(source="choice_ids", child=serializers.IntegerField())
    visitor_ids = serializers.SerializerMethodField()
    deadline = serializers.DateTimeField(source="round.deadline", read_only=True)
    why = serializers.SerializerMethodField()
    priorities = serializers.SerializerMethodField()

    class Meta:
        model = VisitRequest
        fields = ["id", "round", "resident", "resident_first_name", "visitor_ids", "choices",
                  "status", "deadline", "granted_session", "granted_rank", "booking",
                  "position", "weight", "why", "priorities", "created_at", "updated_at"]

    def get_visitor_ids(self, request: VisitRequest) -> list[int]:
        return sorted(v.pk for v in request.visitors.all())

    def get_why(self, request: VisitRequest) -> list[str]:
        return outcome_lines(request)

    def get_priorities(self, request: VisitRequest) -> list[str]:
        return priorities_text(request.explanation or {})


class RoundRequestSerializer(RequestSerializer):
    """A request as the facility's liaison sees it in the round's result."""

    household_name = serializers.CharField(source="household.name", read_only=True)
    resident_name = serializers.CharField(source="resident.__str__", read_only=True)
    visitors = serializers.SerializerMethodField()
    explanation = serializers.JSONField(read_only=True)

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "household_name", "resident_name", "visitors",
                  "explanation"]

    def get_visitors(self, request: VisitRequest) -> list[str]:
        return [str(v) for v in request.visitors.all()]


class RoundDetailSerializer(RoundSerializer):
    """For the facility's liaison: the seed, every request and why it got what it got."""

    requests = RoundRequestSerializer(source="all_requests", many=True, read_only=True)

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "seed", "requests"]


class VerifySerializer(serializers.Serializer):
    round_id = serializers.IntegerField()
    seed = serializers.IntegerField()
    checked = serializers.IntegerField()
    matches = serializers.BooleanField()
    differences = serializers.ListField(child=serializers.DictField())
