"""API shapes. Input serializers validate form only; the services decide the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from scheduler.api_inputs import IdField, SaneDateField, StrictBooleanField, id_list
from scheduler.inputs import MAX_CLOSURE_DAYS
from visits.models import (
    ApprovedVisitor,
    Booking,
    Facility,
    Household,
    HousingUnit,
    Resident,
    Session,
    Visitor,
)
from visits.reasons import OTHER, ApplicationReason, ClosureReason, DeclineReason


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HousingUnit
        fields = ["id", "name"]


class FacilitySerializer(serializers.ModelSerializer):
    units = UnitSerializer(many=True, read_only=True)

    class Meta:
        model = Facility
        fields = ["id", "name", "time_zone", "address", "units"]


class SessionSerializer(serializers.ModelSerializer):
    remaining = serializers.IntegerField(read_only=True)
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None,
                                      allow_null=True)
    local_start = serializers.SerializerMethodField()
    join_instructions = serializers.CharField(source="rule.shown_join_instructions", read_only=True)
    close_reason_label = serializers.CharField(
        read_only=True, help_text="close_reason_code in the request's language; '' for none "
                                  "or 'other' (close_reason, the facility's note, says it)")

    class Meta:
        model = Session
        fields = [
            "id", "facility", "facility_name", "unit", "unit_name", "kind", "starts_at",
            "ends_at", "local_start", "capacity", "remaining", "status", "close_reason_code",
            "close_reason_label", "close_reason", "join_instructions",
        ]

    def get_local_start(self, session: Session) -> str:
        return session.starts_at.astimezone(session.facility.tz).isoformat()

    def to_representation(self, session: Session) -> dict[str, Any]:
        return session_payload(session)


class ResidentSerializer(serializers.ModelSerializer):
    """For families: first name, last initial, facility; never the prison ID."""

    facility_name = serializers.CharField(source="facility.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None,
                                      allow_null=True)
    display_name = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = [
            "id", "first_name", "display_name", "facility", "facility_name", "unit", "unit_name",
        ]

    def get_display_name(self, resident: Resident) -> str:
        return f"{resident.first_name} {resident.last_name[:1]}."

    def to_representation(self, resident: Resident) -> dict[str, Any]:
        return resident_payload(resident)


class ApprovalSerializer(serializers.ModelSerializer):
    resident_first_name = serializers.CharField(source="resident.first_name", read_only=True)

    class Meta:
        model = ApprovedVisitor
        fields = ["id", "resident", "resident_first_name", "status", "expires_on",
                  "guardian_consent_on_file"]


class VisitorSerializer(serializers.ModelSerializer):
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = Visitor
        fields = ["id", "first_name", "last_name", "date_of_birth", "is_caregiver", "approvals"]


class HouseholdSerializer(serializers.ModelSerializer):
    visitors = VisitorSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "name", "phone", "visitors"]


class BookingVisitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visitor
        fields = ["id", "first_name"]


class BookingSerializer(serializers.ModelSerializer):
    session = SessionSerializer(read_only=True)
    resident = ResidentSerializer(read_only=True)
    visitors = BookingVisitorSerializer(many=True, read_only=True)
    join_url = serializers.CharField(read_only=True)
    reason_label = serializers.CharField(
        read_only=True, help_text="reason_code in the request's language; '' for none or "
                                  "'other' (reason, the facility's note, says it)")

    class Meta:
        model = Booking
        fields = ["id", "status", "session", "resident", "visitors", "reason_code",
                  "reason_label", "reason", "offer_expires_at", "join_url", "created_at"]

    def to_representation(self, booking: Booking) -> dict[str, Any]:
        return booking_payload(booking)


# --- representations ----------------------------------------------------------------------
# The serializers above declare each shape (for the API schema and its docs); these build it.
# DRF's generic rendering builds every nested field object anew for each row, which cost more
# than the booking's own transaction on the hot path. One function per shape, used by its
# serializer everywhere; a test checks each against DRF's generic rendering of the declared
# fields, so the docs and the answers cannot drift apart.

_DATETIME = serializers.DateTimeField()


def _datetime_or_none(value: dt.datetime | None) -> str | None:
    return _DATETIME.to_representation(value) if value is not None else None


def session_payload(session: Session) -> dict[str, Any]:
    """Expects `session.facility`, `.rule` and `.unit` loaded (select_related)."""
    return {
        "id": session.pk,
        "facility": session.facility_id,
        "facility_name": session.facility.name,
        "unit": session.unit_id,
        "unit_name": session.unit.name if session.unit_id else None,
        "kind": session.kind,
        "starts_at": _datetime_or_none(session.starts_at),
        "ends_at": _datetime_or_none(session.ends_at),
        "local_start": session.starts_at.astimezone(session.facility.tz).isoformat(),
        "capacity": session.capacity,
        "remaining": session.remaining,
        "status": session.status,
        "close_reason_code": session.close_reason_code,
        "close_reason_label": session.close_reason_label,
        "close_reason": session.close_reason,
        "join_instructions": session.rule.shown_join_instructions,
    }


def resident_payload(resident: Resident) -> dict[str, Any]:
    """For families: never the prison ID. Expects `resident.facility` and `.unit` loaded."""
    return {
        "id": resident.pk,
        "first_name": resident.first_name,
        "display_name": f"{resident.first_name} {resident.last_name[:1]}.",
        "facility": resident.facility_id,
        "facility_name": resident.facility.name,
        "unit": resident.unit_id,
        "unit_name": resident.unit.name if resident.unit_id else None,
    }


def booking_payload(booking: Booking) -> dict[str, Any]:
    """Expects `booking.session` (with facility, rule, unit) and `booking.resident` (with
    facility, unit) loaded; the visitors from `booking.booked_visitors` (as `booking_create`
    leaves them) or a prefetch of `visitors`."""
    visitors = getattr(booking, "booked_visitors", None)
    if visitors is None:
        visitors = list(booking.visitors.all())
    return {
        "id": booking.pk,
        "status": booking.status,
        "session": session_payload(booking.session),
        "resident": resident_payload(booking.resident),
        "visitors": [{"id": v.id, "first_name": v.first_name} for v in visitors],
        "reason_code": booking.reason_code,
        "reason_label": booking.reason_label,
        "reason": booking.reason,
        "offer_expires_at": _datetime_or_none(booking.offer_expires_at),
        "join_url": booking.join_url,
        "created_at": _datetime_or_none(booking.created_at),
    }


class RosterBookingSerializer(serializers.ModelSerializer):
    """For the facility's own liaisons: the roster needs full names and the prison ID."""

    resident_name = serializers.CharField(source="resident.__str__", read_only=True)
    prison_id = serializers.CharField(source="resident.prison_id", read_only=True)
    household_name = serializers.CharField(source="household.name", read_only=True)
    visitors = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = ["id", "status", "resident_name", "prison_id", "household_name", "visitors",
                  "reason_code", "reason", "needs_wheelchair", "interpreter_language",
                  "support_note"]

    def get_visitors(self, booking: Booking) -> list[str]:
        return [str(v) for v in booking.visitors.all()]


class RosterSessionSerializer(SessionSerializer):
    bookings = RosterBookingSerializer(source="live_bookings", many=True, read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "needs_review", "bookings"]

    # The roster adds fields to the session's shape: DRF's own rendering of all of them.
    to_representation = serializers.ModelSerializer.to_representation


class BookingCreateSerializer(serializers.Serializer):
    session_id = IdField()
    resident_id = IdField()
    visitor_ids = id_list(
        max_length=12,
        error_messages={"min_length": _("Choose at least one person who is coming."),
                        "empty": _("Choose at least one person who is coming.")},
    )
    join_waitlist_if_full = StrictBooleanField(default=False)
    # What the facility should have ready; shown on its roster and day list.
    needs_wheelchair = StrictBooleanField(default=False)
    interpreter_language = serializers.CharField(max_length=60, allow_blank=True, default="")
    support_note = serializers.CharField(max_length=300, allow_blank=True, default="")


def closure_too_long_message() -> str:
    return str(_("A closure can last at most %(days)d days; open another one after it.")
               % {"days": MAX_CLOSURE_DAYS})


NOTE_HELP = ("The staff's own words, shown to the family as typed (\"Note from the "
             "facility\"). Required when reason_code is \"other\"; given without "
             "reason_code (the API before the list) it is kept as code \"other\".")


def reason_code_field(choices: type, what: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices.choices, required=False,
        error_messages={"invalid_choice": _("“{input}” is not a reason on the list.")},
        help_text=f"Why {what}, from the list; each family reads it in her own language.")


class StaffReasonSerializer(serializers.Serializer):
    """A reason picked from a list plus the staff's note; which list is the subclass's."""

    reason_code: serializers.ChoiceField
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                   help_text=NOTE_HELP)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        code, note = attrs.get("reason_code", ""), attrs.get("reason", "").strip()
        if not code and not note:
            raise serializers.ValidationError(
                {"reason_code": [_("Choose a reason from the list.")]})
        if code == OTHER and not note:
            raise serializers.ValidationError({"reason": [
                _("You chose “another reason”: say in a few words what it is.")]})
        return {"reason_code": code, "reason": note}


class DeclineReasonSerializer(StaffReasonSerializer):
    reason_code = reason_code_field(DeclineReason, "the booking is declined")


class CloseReasonSerializer(StaffReasonSerializer):
    reason_code = reason_code_field(ClosureReason, "the session is closed")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   help_text=NOTE_HELP)


class BookingActionSerializer(serializers.Serializer):
    """What an action may carry: `decline` needs a reason (a code, a note or both);
    `cancel` takes the family's own words in `reason`; the others take nothing."""

    reason_code = reason_code_field(DeclineReason, "the booking is declined (decline only)")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ClosureCreateSerializer(serializers.Serializer):
    starts_on = SaneDateField()
    ends_on = SaneDateField()
    reason_code = reason_code_field(ClosureReason, "the days are closed")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   help_text=NOTE_HELP)
    # Left out: the whole facility. Given: at least one unit (an empty list closing
    # nothing, or everything, would be a guess).
    unit_ids = id_list(max_length=100, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        span = (attrs["ends_on"] - attrs["starts_on"]).days
        if span >= MAX_CLOSURE_DAYS:
            raise serializers.ValidationError({"ends_on": [closure_too_long_message()]})
        return attrs


class ApprovalDecideSerializer(serializers.Serializer):
    """Denying or withdrawing needs a reason (a code, a note or both): the family is told
    it and the facility's record keeps it. Approving takes none."""

    status = serializers.ChoiceField(choices=["approved", "denied", "revoked"])
    reason_code = reason_code_field(ApplicationReason,
                                    "the visitor is not approved or the approval is withdrawn")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                   help_text=NOTE_HELP)
    expires_on = SaneDateField(required=False, allow_null=True)
    guardian_consent_on_file = StrictBooleanField(required=False, allow_null=True)


class SessionQuerySerializer(serializers.Serializer):
    facility = IdField(required=False)
    resident = IdField(required=False)
    kind = serializers.ChoiceField(choices=["in_person", "video"], required=False)
    date_from = SaneDateField(required=False)
    date_to = SaneDateField(required=False)


class RosterQuerySerializer(serializers.Serializer):
    date = SaneDateField(required=False)


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProgramNamedSerializer(serializers.Serializer):
    # null id and name: the unnamed program (accounts made before programs existed).
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=[
        "caregiver", "liaison", "coordinator", "driver"]))
    liaison_at = NamedSerializer(allow_null=True)
    facilities_administered = NamedSerializer(many=True)
    programs_administered = NamedSerializer(many=True)
    coordinates_for = ProgramNamedSerializer(allow_null=True)
    drives_for = ProgramNamedSerializer(allow_null=True)
