from django.contrib import admin

from transport.models import Coordinator, Driver


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ["user"]
    raw_id_fields = ["user"]


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["user", "home_base"]
    raw_id_fields = ["user"]
