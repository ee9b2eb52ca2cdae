"""The admin sets up stations; a call's record (who joined, when, who ended it) is read-only:
it is written only by the services."""

from django.contrib import admin

from calls.models import Call, CallPresence, Station


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "user")
    list_select_related = ("unit__facility", "user")


class PresenceInline(admin.TabularInline):
    model = CallPresence
    fields = ("user", "role", "joined_at", "left_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("booking", "station", "started_at", "ended_at", "end_reason")
    readonly_fields = ("booking", "station", "started_at", "ended_at", "ended_by", "end_reason")
    inlines = [PresenceInline]

    def has_add_permission(self, request) -> bool:
        return False
