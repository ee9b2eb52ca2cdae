"""Admin for every fund model. Ledger entries are read-only: a wrong one is reversed."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from scheduler.errors import DomainError
from transport.fund.ledger import entry_reverse
from transport.fund.models import (
    Donation,
    Fund,
    LedgerEntry,
    MonthlyGift,
    StripeEvent,
    Subsidy,
)
from transport.fund.subsidies import subsidy_reverse


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
    list_display = ["name", "program", "slug", "currency"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def reverse_with_reason(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet,
    reverse_one: Any,
) -> HttpResponse | None:
    """Ask for the reason first, then reverse each chosen row through its service."""
    reason = request.POST.get("reason", "").strip()
    if "confirm" not in request.POST or not reason:
        return TemplateResponse(request, "fund/admin_reverse.html", {
            **modeladmin.admin_site.each_context(request), "rows": queryset,
            "action": request.POST.get("action"), "opts": modeladmin.model._meta,
            "missing_reason": "confirm" in request.POST,
        })
    for row in queryset:
        try:
            reverse_one(request.user, row.pk, reason)
        except DomainError as error:
            modeladmin.message_user(request, f"{row}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, _("Reversed: %s") % row, messages.SUCCESS)
    return None


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "fund", "kind", "amount_cents", "earmark", "source_key"]
    list_filter = ["fund", "kind", "earmark"]
    search_fields = ["source_key", "stripe_object_id"]
    actions = ["reverse_entries"]

    @admin.action(description=_("Reverse the selected entries (with a new entry)"))
    def reverse_entries(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return reverse_with_reason(self, request, queryset, lambda user, pk, reason:
                                   entry_reverse(actor=user, entry_id=pk, reason=reason))


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "fund", "kind", "amount_cents", "status", "earmark",
                    "receipt_sent_at"]
    list_filter = ["fund", "status", "kind"]
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
    list_display = ["id", "granted_at", "fund", "kind", "amount_cents", "household", "booking",
                    "status"]
    list_filter = ["fund", "kind", "status"]
    actions = ["reverse_subsidies"]

    @admin.action(description=_("Reverse the selected subsidies (money back to the fund)"))
    def reverse_subsidies(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return reverse_with_reason(self, request, queryset, lambda user, pk, reason:
                                   subsidy_reverse(actor=user, subsidy_id=pk, reason=reason))
