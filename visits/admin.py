from django.contrib import admin

from visits.models import (
    ApplicationAudit,
    ApplicationVisitor,
    ApprovalAudit,
    ApprovedVisitor,
    Booking,
    BookingStatusChange,
    BookingVisitor,
    CalendarToken,
    Closure,
    Facility,
    Household,
    HousingUnit,
    Liaison,
    LiaisonInvitation,
    PriorityWeights,
    RequestRound,
    Resident,
    Session,
    VisitApplication,
    VisitingRule,
    Visitor,
    VisitRequest,
)


class UnitInline(admin.TabularInline):
    model = HousingUnit
    extra = 0


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]
    search_fields = ["name"]
    inlines = [UnitInline]


@admin.register(HousingUnit)
class HousingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "facility"]
    list_filter = ["facility"]


@admin.register(VisitingRule)
class VisitingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "facility", "unit", "kind", "rrule", "capacity", "allocation_mode",
                    "active"]
    list_filter = ["facility", "kind", "allocation_mode", "active"]

    def save_model(self, request, obj, form, change) -> None:
        from visits.services import rule_save

        # The same service as the liaisons' rules page: checked, saved, sessions and
        # rounds brought in step, in one transaction.
        rule_save(rule=obj)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    """View only: a closure cancels bookings and tells every family, so liaisons make it
    from the roster page or the API (`closure_create`), never by writing the row."""

    list_display = ["facility", "starts_on", "ends_on", "reason_code", "reason"]
    list_filter = ["facility"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "capacity", "held", "status", "needs_review"]
    list_filter = ["facility", "kind", "status", "needs_review"]
    date_hierarchy = "starts_at"
    # Closing a session cancels its bookings and tells the families (`session_close`; some
    # units of it: `closure_create`), and capacity must never fall below the places held:
    # none of these is a field to type over.
    readonly_fields = ["held", "status", "capacity", "close_reason_code", "close_reason",
                       "closed_units"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "facility", "unit", "prison_id"]
    list_filter = ["facility"]
    search_fields = ["last_name", "first_name", "prison_id"]


class VisitorInline(admin.TabularInline):
    model = Visitor
    extra = 0


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["name", "caregiver", "phone"]
    search_fields = ["name"]
    inlines = [VisitorInline]


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "date_of_birth", "household"]
    search_fields = ["last_name", "first_name"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ApprovalAuditInline(_ReadOnlyInline):
    model = ApprovalAudit
    fields = ["at", "status", "actor_name", "reason_code", "reason"]
    readonly_fields = fields


@admin.register(ApprovedVisitor)
class ApprovedVisitorAdmin(admin.ModelAdmin):
    """Approving, denying and revoking go through the liaison's decision (history, and the
    family told); here they are shown, not typed."""

    list_display = ["visitor", "resident", "status", "expires_on", "guardian_consent_on_file"]
    list_filter = ["status", "resident__facility"]
    readonly_fields = ["status", "expires_on"]
    inlines = [ApprovalAuditInline]


class BookingVisitorInline(admin.TabularInline):
    model = BookingVisitor
    extra = 0


class StatusChangeInline(admin.TabularInline):
    model = BookingStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "reason_code", "reason", "at"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the services so places and history stay right."""

    list_display = ["id", "session", "resident", "household", "status", "created_at"]
    list_filter = ["status", "session__facility"]
    readonly_fields = ["session", "resident", "household", "status", "idempotency_key",
                       "reason_code", "reason"]
    inlines = [BookingVisitorInline, StatusChangeInline]


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ["user", "facility", "is_admin"]
    list_filter = ["facility", "is_admin"]


@admin.register(LiaisonInvitation)
class LiaisonInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made and used through /roster/staff/ (the token is hashed)."""

    list_display = ["email", "facility", "as_admin", "created_at", "expires_at", "accepted_at",
                    "cancelled_at"]
    list_filter = ["facility"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    """Who has a calendar feed, and when it was revoked; the secret itself is never shown."""

    list_display = ["owner", "kind", "created_at", "revoked_at"]
    list_filter = ["kind"]
    fields = ["owner", "kind", "language", "created_at", "revoked_at"]
    readonly_fields = ["owner", "kind", "language", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # feeds are made by their owners, from their pages


@admin.register(PriorityWeights)
class PriorityWeightsAdmin(admin.ModelAdmin):
    list_display = ["facility", "per_child", "per_100_km", "per_30_days_since_visit",
                    "per_round_lost"]


class VisitRequestInline(admin.TabularInline):
    model = VisitRequest
    extra = 0
    can_delete = False
    fields = ["household", "resident", "first_choice", "second_choice", "third_choice",
              "status", "position", "weight", "granted_session"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # requests are sent by families, through the services


@admin.register(RequestRound)
class RequestRoundAdmin(admin.ModelAdmin):
    """Read-mostly: the draw runs at the deadline, through the services."""

    list_display = ["__str__", "facility", "opens_at", "deadline", "status", "seed"]
    list_filter = ["status", "facility"]
    readonly_fields = ["status", "seed", "allocated_at", "families_told_at", "created_at"]
    filter_horizontal = ["sessions"]
    inlines = [VisitRequestInline]


@admin.register(VisitRequest)
class VisitRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "round", "household", "resident", "status", "position", "weight"]
    list_filter = ["status", "round__facility"]
    readonly_fields = ["round", "household", "resident", "visitors", "first_choice",
                       "second_choice", "third_choice", "status", "granted_session",
                       "granted_rank", "booking", "position", "weight", "explanation"]

    def has_add_permission(self, request) -> bool:
        return False


class ApplicationPersonInline(_ReadOnlyInline):
    model = ApplicationVisitor
    fields = ["visitor", "consent_given_by", "consent_given_on", "document_type"]
    readonly_fields = fields


class ApplicationAuditInline(_ReadOnlyInline):
    model = ApplicationAudit
    fields = ["at", "action", "actor_name", "detail"]
    readonly_fields = fields


@admin.register(VisitApplication)
class VisitApplicationAdmin(admin.ModelAdmin):
    """Read-only: families apply and liaisons decide on their pages (the services write the
    audit trail and tell the family); the admin only looks."""

    list_display = ["pk", "household", "facility", "resident_name", "status", "created_at"]
    list_filter = ["status", "facility"]
    inlines = [ApplicationPersonInline, ApplicationAuditInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
