"""The Stripe webhook endpoint: verify on the raw body, store, answer fast."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from transport.fund.events import BadPayload, BadSignature, event_record, event_verify

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe cannot send a CSRF token; the signature is the proof of origin.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """400 for a bad signature (nothing stored); 200 once the event is stored.

    Applying it is a task: Stripe waits only for the row, and retries on any non-2xx.
    """
    try:
        event = event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except BadPayload as exc:
        logger.warning("refused a signed Stripe webhook that is not a storable event: %s", exc)
        return JsonResponse(
            {"code": "invalid", "message": "Not a Stripe event.", "fields": {}}, status=400,
        )
    except BadSignature:
        logger.warning("refused a Stripe webhook with a bad signature")
        return JsonResponse(
            {"code": "bad_signature", "message": "Invalid Stripe signature.", "fields": {}},
            status=400,
        )
    row, created = event_record(event)
    return JsonResponse({"received": row.event_id, "new": created})
