"""Admin for every fund model. Ledger entries are read-only: a wrong one is reversed."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from transport.fund.models import (
    Donation,
    Fund,
    LedgerEntry,
    MonthlyGift,
    StripeEvent,
    Subsidy,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by Stripe events or services: visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "amount_cents", "earmark", "source_key"]
    list_filter = ["kind", "earmark"]
    search_fields = ["source_key", "stripe_object_id"]


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "kind", "amount_cents", "status", "earmark",
                    "receipt_sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["payment_intent_id", "invoice_id", "email"]


@admin.register(MonthlyGift)
class MonthlyGiftAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "amount_cents", "subscription_id", "earmark"]
    search_fields = ["subscription_id", "customer_id", "email"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "status", "received_at", "applied_at"]
    list_filter = ["status", "type"]
    search_fields = ["event_id", "waiting_for"]


@admin.register(Subsidy)
class SubsidyAdmin(ReadOnlyAdmin):
    list_display = ["id", "granted_at", "kind", "amount_cents", "household", "booking",
                    "status"]
    list_filter = ["kind", "status"]
