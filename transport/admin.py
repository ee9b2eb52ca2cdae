from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from transport.models import (
    Coordinator,
    Driver,
    DriverAvailability,
    DriverFeed,
    PickupPoint,
    PlanRun,
    Program,
    ProgramFacility,
    RideRequest,
    StaffInvitation,
    Stop,
    Trip,
    Vehicle,
)
from transport.staff import facility_program_set


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """A superuser opens a new program here; its administrator runs it from /rides/staff/."""

    list_display = ["name"]


@admin.register(ProgramFacility)
class ProgramFacilityAdmin(admin.ModelAdmin):
    """Which program drives a facility's families. A change goes through the service: the
    facility's rides not yet done are unplanned and both programs' coordinators told."""

    list_display = ["facility", "program"]
    list_filter = ["program"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["facility"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        facility_program_set(actor=request.user, facility_id=obj.facility_id,
                             program_id=obj.program_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        facility_program_set(actor=request.user, facility_id=obj.facility_id, program_id=None)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for row in queryset:
            self.delete_model(request, row)


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "program", "active"]
    list_filter = ["program", "active"]


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made and used through the pages (their token is hashed)."""

    list_display = ["email", "role", "program", "created_at", "expires_at", "accepted_at",
                    "cancelled_at"]
    list_filter = ["program", "role"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "is_admin"]
    list_filter = ["program", "is_admin"]
    raw_id_fields = ["user"]


class AvailabilityInline(admin.TabularInline):
    model = DriverAvailability
    extra = 1


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    """`active` is shown, not changed: unticked here, a driver would leave her trips to come
    planned with nobody. She is removed on the staff page (`staff.driver_remove`)."""

    list_display = ["user", "program", "active", "home_base", "latitude", "longitude"]
    readonly_fields = ["active"]
    raw_id_fields = ["user"]
    filter_horizontal = ["vehicles"]
    inlines = [AvailabilityInline]


@admin.register(DriverFeed)
class DriverFeedAdmin(admin.ModelAdmin):
    list_display = ["driver", "language", "created_at"]
    raw_id_fields = ["driver"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "seats", "child_seats", "wheelchair_places", "active"]
    list_filter = ["active"]


@admin.register(DriverAvailability)
class DriverAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["driver", "starts_at", "ends_at", "vehicle"]
    list_filter = ["starts_at"]
    raw_id_fields = ["driver"]


@admin.register(RideRequest)
class RideRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "booking", "pickup_label", "adults", "children", "status",
                    "unserved_reason", "pinned_trip"]
    list_filter = ["status", "unserved_reason"]
    raw_id_fields = ["booking", "pinned_trip", "pinned_driver", "created_by"]


class StopInline(admin.TabularInline):
    model = Stop
    extra = 0
    raw_id_fields = ["request"]


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ["day", "driver", "vehicle", "status", "starts_at", "ends_at"]
    list_filter = ["day", "status"]
    raw_id_fields = ["driver", "vehicle", "plan_run"]
    inlines = [StopInline]


@admin.register(Stop)
class StopAdmin(admin.ModelAdmin):
    list_display = ["trip", "position", "kind", "leg", "label", "planned_at", "status"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["trip", "request"]


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    list_display = ["day", "facility", "status", "planned_count", "unserved_count",
                    "trips_count", "seconds", "created_at"]
    list_filter = ["status", "day"]
    raw_id_fields = ["requested_by"]
