"""The database is unreachable: a quick 503 with Retry-After, never a hanging 500.

PostgreSQL down or restarting, the pool out of connections for DB_POOL_TIMEOUT, a
connection cut mid-request: Django raises `OperationalError` (psycopg_pool's PoolTimeout
arrives wrapped as one). The API answers `{"code": "unavailable", "message", "fields"}`;
pages show a short translated page that needs no database (no user, no session). Nothing
is half-written: the failed request's transaction never committed. Imports no app.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def is_database_down(exc: BaseException | None) -> bool:
    # A connection that broke or never opened. Not a lock timeout: a booking that waited
    # too long for a lock answers "busy" (scheduler.errors.Busy) before reaching here.
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = _("We cannot reach our records right now. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "unavailable", "message": message, "fields": {}}, status=503)
    else:
        # Rendered without the request: base.html would ask for the user (the database).
        response = HttpResponse(render_to_string(
            "unavailable.html", {"message": message, "language": get_language()}),
                                status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 (API: JSON; pages: a short page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return unavailable_response(request) if is_database_down(exception) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: errors outside views (a middleware reading the session) land here; the
    database being away is a 503, anything else under /api/ is still JSON."""
    if is_database_down(sys.exc_info()[1]):
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "error", "message": _("Something went wrong on our side."),
                             "fields": {}}, status=500)
    return defaults.server_error(request)
