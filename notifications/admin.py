from django.contrib import admin

from notifications.models import Delivery, Event, Preference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "title", "urgent", "created_at"]
    list_filter = ["type", "urgent"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "user", "read_at", "emailed_at", "sms_at", "external_due_at"]
    raw_id_fields = ["event", "user"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "sms_enabled", "language", "quiet_start", "quiet_end"]
    list_filter = ["language", "email_enabled", "sms_enabled"]
    raw_id_fields = ["user"]
