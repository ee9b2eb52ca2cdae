"""The only module that talks to Stripe. Never called inside a database transaction.

Card data never reaches this server: the browser's Payment Element sends it to Stripe,
and this side only creates intents and reads their outcome.
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.conf import settings

from transport.fund.errors import PaymentServiceDown

logger = logging.getLogger(__name__)

PRODUCT_ID = "travel-fund-monthly-gift"


def stripe_client() -> stripe.StripeClient:
    """A client for the configured Stripe (or localstripe, via STRIPE_API_BASE)."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        # The shapes the handlers read (e.g. charge.refunded without its refunds list).
        stripe_version=settings.STRIPE_API_VERSION,
        max_network_retries=1,
        # Stripe's own default waits 80 s for an answer. A request waiting on Stripe holds
        # one of its server process's few request threads (SERVER_THREADS), so a Stripe that
        # hangs must not hold it for minutes: the donor is told to try again instead.
        http_client=stripe.new_default_http_client(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def _call(action: str, func: Any, **params: Any) -> Any:
    try:
        return func(params=params)
    except stripe.StripeError as exc:
        logger.warning("Stripe %s failed: %s", action, exc)
        raise PaymentServiceDown() from exc


def payment_intent_create(*, amount_cents: int, currency: str, metadata: dict[str, str]) -> Any:
    client = stripe_client()
    return _call(
        "payment intent", client.v1.payment_intents.create, amount=amount_cents,
        currency=currency, metadata=metadata, payment_method_types=["card"],
    )


def customer_create(*, email: str, name: str) -> Any:
    client = stripe_client()
    params: dict[str, Any] = {"email": email}
    if name:
        params["name"] = name
    return _call("customer", client.v1.customers.create, **params)


def setup_intent_create(*, customer_id: str, metadata: dict[str, str]) -> Any:
    client = stripe_client()
    return _call(
        "setup intent", client.v1.setup_intents.create, customer=customer_id,
        usage="off_session", payment_method_types=["card"], metadata=metadata,
    )


def setup_intent_retrieve(setup_intent_id: str) -> Any:
    client = stripe_client()
    try:
        return client.v1.setup_intents.retrieve(setup_intent_id)
    except stripe.StripeError as exc:
        raise PaymentServiceDown() from exc


def monthly_plan(*, amount_cents: int, currency: str) -> str:
    """The id of the monthly Plan for this amount (Products and Plans; no Prices needed)."""
    client = stripe_client()
    plan_id = f"travel-fund-{currency}-{amount_cents}-monthly"
    try:
        return client.v1.plans.retrieve(plan_id).id
    except stripe.InvalidRequestError:
        pass
    except stripe.StripeError as exc:
        raise PaymentServiceDown() from exc
    _product_ensure(client)
    plan = _call(
        "plan", client.v1.plans.create, id=plan_id, amount=amount_cents, currency=currency,
        interval="month", product=PRODUCT_ID, nickname=f"{amount_cents} {currency} / month",
    )
    return plan.id


def _product_ensure(client: stripe.StripeClient) -> None:
    try:
        client.v1.products.retrieve(PRODUCT_ID)
    except stripe.InvalidRequestError:
        _call("product", client.v1.products.create, id=PRODUCT_ID,
              name="Travel fund monthly gift", type="service")
    except stripe.StripeError as exc:
        raise PaymentServiceDown() from exc


def subscription_create(
    *, customer_id: str, payment_method_id: str, plan_id: str, metadata: dict[str, str]
) -> Any:
    """Make the card the customer's default for invoices, then subscribe."""
    client = stripe_client()
    _call("customer update", lambda params: client.v1.customers.update(customer_id, params),
          invoice_settings={"default_payment_method": payment_method_id})
    # Two reloads of the return page must not start two subscriptions: Stripe answers a
    # repeated idempotency key with the first result.
    return _call(
        "subscription",
        lambda params: client.v1.subscriptions.create(
            params, {"idempotency_key": f"travel-fund-subscribe-{customer_id}"}),
        customer=customer_id, items=[{"plan": plan_id}], metadata=metadata,
    )


def refunds_of_charge(charge_id: str) -> list[dict[str, Any]]:
    """Every refund of one charge, as plain dicts (newest first, at most 100: a gift is
    refunded a handful of times at most). Raises PaymentServiceDown if Stripe is away."""
    client = stripe_client()
    page = _call("refund list", client.v1.refunds.list, charge=charge_id, limit=100)
    return [refund.to_dict() for refund in page.data]
