"""API throttling, kept in the cache (Redis in production, so every process counts together).

DRF's own throttles count requests per token (signed in) and per address (anonymous).
Two edges need more: donation starts (each one creates a PaymentIntent at Stripe, so a
loop could run up fees and pollute the fund) and wrong API tokens, which DRF refuses with
401 *before* any throttle runs, so guessing tokens was never slowed down.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

# Wrong tokens allowed per address per window before every token attempt answers 429.
BAD_TOKEN_LIMIT = 10
BAD_TOKEN_WINDOW_SECONDS = 600


class DonationStartThrottle(AnonRateThrottle):
    """Per address, signed in or not: starting a gift calls Stripe."""

    scope = "donation"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _AddressCounter(SimpleRateThrottle):
    """Only for `get_ident`: the client address as DRF sees it (NUM_PROXIES aware)."""

    rate = "1/s"

    def get_cache_key(self, request: Request, view: Any) -> str | None:  # pragma: no cover
        return None


def _bad_token_key(request: Request) -> str:
    return f"throttle_bad_token_{_AddressCounter().get_ident(request)}"


def too_many_requests(wait: float | None) -> exceptions.Throttled:
    return exceptions.Throttled(wait=wait, detail=throttled_message(wait))


def throttled_message(wait: float | None) -> str:
    if wait is None:
        return str(_("Too many requests. Please wait a little and try again."))
    seconds = max(1, int(wait + 0.999))
    return str(_("Too many requests. Please wait %(seconds)d seconds and try again.")
               % {"seconds": seconds})


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token auth that stops answering an address after BAD_TOKEN_LIMIT wrong tokens."""

    def authenticate(self, request: Request) -> Any:
        key = _bad_token_key(request)
        count, first = cache.get(key) or (0, 0.0)
        wait = first + BAD_TOKEN_WINDOW_SECONDS - time.time()
        if wait <= 0:
            count, first = 0, 0.0  # the window since the first wrong token has passed
        if count >= BAD_TOKEN_LIMIT and self._has_token(request):
            raise too_many_requests(wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            cache.set(key, (count + 1, first or time.time()), BAD_TOKEN_WINDOW_SECONDS)
            raise

    def _has_token(self, request: Request) -> bool:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        return header.lower().startswith(self.keyword.lower() + " ")
