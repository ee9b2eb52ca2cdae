from django.contrib import admin

from transport.models import (
    Coordinator,
    Driver,
    DriverAvailability,
    DriverFeed,
    PlanRun,
    RideRequest,
    Stop,
    Trip,
    Vehicle,
)


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ["user"]
    raw_id_fields = ["user"]


class AvailabilityInline(admin.TabularInline):
    model = DriverAvailability
    extra = 1


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["user", "home_base", "latitude", "longitude"]
    raw_id_fields = ["user"]
    filter_horizontal = ["vehicles"]
    inlines = [AvailabilityInline]


@admin.register(DriverFeed)
class DriverFeedAdmin(admin.ModelAdmin):
    list_display = ["driver", "language", "created_at"]
    raw_id_fields = ["driver"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["name", "seats", "child_seats", "wheelchair_places", "active"]
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
