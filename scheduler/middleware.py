"""Middlewares of the public edge: errors as JSON under /api/, storable input on every
form and query string, and the headers a browser needs to protect the pages."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from allauth.core.exceptions import RateLimited
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from scheduler import error_pages
from scheduler.errors import InvalidInput, domain_error_of
from scheduler.inputs import text_problem
from scheduler.signin import codes_paused

logger = logging.getLogger("scheduler.errors")

API_PREFIX = "/api/"
# Bodies Django parses into request.POST; JSON bodies are checked by the API's parser.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
Handler = Callable[[HttpRequest], HttpResponse]


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class DomainErrorPageMiddleware:
    """Pages show a DomainError (or a refused constraint, as a 409) as a friendly page with
    its status, never a 500."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        error = domain_error_of(exception)
        if isinstance(exception, RateLimited):  # allauth's limit on codes, raised in a step
            error = codes_paused()
        if error is None or is_api(request):
            return None
        return render(request, "error.html", {
            "error": error, "problems": _problems_of(error), "again_url": _again_url(request),
        }, status=error.status)


def _problems_of(error: Any) -> list[str]:
    """What to fix, field by field ("The end must be after the start"), for a page that had
    no form of its own to show them on; the title alone would leave her guessing."""
    seen: list[str] = []
    for messages_of_field in (getattr(error, "fields", None) or {}).values():
        for message in messages_of_field if isinstance(messages_of_field, list) else [
                messages_of_field]:
            if str(message) not in seen and str(message) != str(error.message):
                seen.append(str(message))
    return seen


def _again_url(request: HttpRequest) -> str | None:
    """Where to try again: the page she came from, or, for an address with a bad query
    (?from=2026-12-31&to=2026-01-01), the same page without it."""
    back = error_pages.same_site_referer(request)
    if back:
        return back
    if request.method == "GET" and request.GET:
        return request.path
    return None


def _status_code(status: int) -> str:
    return {400: "invalid", 401: "not_authenticated", 403: "not_permitted", 404: "not_found",
            405: "method_not_allowed", 413: "too_large", 429: "throttled"}.get(
        status, "server_error" if status >= 500 else "error")


def _status_message(status: int) -> str:
    messages = {
        404: _("There is no such address in the API."),
        405: _("This address does not take that method."),
        413: _("The request is too large."),
    }
    if status >= 500:
        return _("Something went wrong on our side. Please try again later.")
    return messages.get(status, _("Something is not right with this request."))


def server_error_response(error_id: str) -> JsonResponse:
    body = {"code": "server_error", "message": _status_message(500), "fields": {},
            "error_id": error_id}
    return JsonResponse(body, status=500)


class ApiJsonMiddleware:
    """Under /api/ every answer is JSON `{"code", "message", "fields"}`, errors included.

    An unexpected exception answers 500 with an `error_id` that is also in the log line
    holding the traceback, so a person can quote it and we can find it. Any other non-JSON
    error (Django's own 404, 400 for a bad host, 413) is rewritten to the same shape.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400 or _is_json(response):
            return response
        if response.status_code >= 500:
            error_id = uuid.uuid4().hex[:12]
            logger.error("API error %s answered for %s %s", error_id, request.method,
                         request.path)
            return server_error_response(error_id)
        rewritten = JsonResponse({"code": _status_code(response.status_code),
                                  "message": _status_message(response.status_code),
                                  "fields": {}}, status=response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        error_id = uuid.uuid4().hex[:12]
        logger.error("API error %s on %s %s", error_id, request.method, request.path,
                     exc_info=exception)
        return server_error_response(error_id)


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _bad_parameter(request: HttpRequest) -> tuple[str, str] | None:
    """The first query or form field (name or value) holding a NUL or a lone surrogate."""
    sources: list[Any] = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for source in sources:
        for name, values in source.lists():
            for text in [name, *values]:
                problem = text_problem(text)
                if problem:
                    return name, problem
    return None


class InputGuardMiddleware:
    """Query strings and form posts: text that cannot be stored is refused up front with
    the field named, on pages as on the API, before any view can half-use it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = _bad_parameter(request)
        if bad is None:
            return self.get_response(request)
        name, problem = bad
        error = InvalidInput(fields={name: [problem]})
        if is_api(request):
            return JsonResponse(error.as_dict(), status=400)
        error.message = f"{error.message} ({name}: {problem})"
        return render(request, "error.html", {"error": error}, status=400)


class EdgeHeadersMiddleware:
    """Permissions-Policy on every answer; `Cache-Control: no-store` on API answers, which
    carry personal data (dates of birth, addresses) that no shared cache may keep."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(response, "permissions_policy", None) or settings.PERMISSIONS_POLICY
        response.headers.setdefault("Permissions-Policy", policy)
        if is_api(request) and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, private, max-age=0"
        return response


def permissions_policy(**features: str) -> str:
    """A Permissions-Policy header value: `camera="self"` -> `camera=(self)`."""
    return ", ".join(f"{name.replace('_', '-')}=({allow})" for name, allow in features.items())


def _login_redirect_target(response: HttpResponse) -> str | None:
    """The `next` of a redirect to the sign-in page (as `login_required` sends), or None if
    it is not one (a plain redirect to the sign-in page has no `next`)."""
    if response.status_code != 302:
        return None
    location = urlsplit(response.get("Location", ""))
    if location.path != resolve_url(settings.LOGIN_URL):
        return None
    return parse_qs(location.query).get(REDIRECT_FIELD_NAME, [None])[0]


class ForgivingPagesMiddleware:
    """Two dead ends of pages turned into a way on.

    - A button pressed on a page left open after signing out asks her to sign in, then brings
      her back to that page (not to the button's address, which is no page: 405), with
      the button still to press: nothing is done behind her back.
    - A button's address opened as a page (a bookmark, a link) gets our own 405 page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api(request):
            return response
        if request.method == "POST" and _login_redirect_target(response) is not None:
            return self._back_after_sign_in(request)
        if response.status_code == 405 and not response.content:
            page = error_pages.method_not_allowed(request)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    def _back_after_sign_in(self, request: HttpRequest) -> HttpResponse:
        back = error_pages.same_site_referer(request) or resolve_url("home")
        messages.warning(request, _("Please sign in again. Then you are back on your page, "
                                    "and nothing is done until you press the button again."))
        return redirect_to_login(back)
