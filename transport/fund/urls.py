"""The fund's URLs: pages under /fund/, the Stripe webhook, and API routes for /api/v1/."""

from django.urls import path

from transport.fund import api, views, webhook

page_urlpatterns = [
    path("fund/", views.totals_page, name="fund-totals"),
    path("fund/donate/", views.donate_page, name="fund-donate"),
    path("fund/donate/thanks/", views.thanks_page, name="fund-thanks"),
    path("fund/subsidies/", views.subsidy_report_page, name="fund-report"),
    path("fund/subsidies/export.csv", views.grants_csv, name="fund-grants-csv"),
    path("fund/subsidies/grant/", views.subsidy_grant_page, name="fund-grant"),
    path("fund/stripe/webhook/", webhook.stripe_webhook, name="fund-stripe-webhook"),
]

api_urlpatterns = [
    path("fund/donations/", api.DonationIntentView.as_view(), name="api-fund-donation"),
    path("fund/subsidies/", api.SubsidyGrantView.as_view(), name="api-fund-subsidies"),
    path("fund/balance/", api.FundBalanceView.as_view(), name="api-fund-balance"),
    path("fund/ledger/", api.FundLedgerView.as_view(), name="api-fund-ledger"),
    path("fund/gifts/", api.FundGiftsView.as_view(), name="api-fund-gifts"),
]
