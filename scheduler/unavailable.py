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

from scheduler.errors import Busy

RETRY_AFTER_SECONDS = 30


def is_pool_exhausted(exc: BaseException | None) -> bool:
    """Every pooled connection stayed busy for DB_POOL_TIMEOUT: the database is there, the
    service is only crowded (a midnight rush). psycopg_pool's PoolTimeout arrives as the
    cause of Django's OperationalError; it is also what a pool that cannot connect raises,
    so it counts as crowded only while every connection the pool tried to open opened.
    (After an outage the process says "cannot reach our records" for a rush too: the
    older, vaguer answer, never a wrong promise.)"""
    from django.db import connections
    from psycopg_pool import PoolTimeout

    timed_out, seen = False, 0
    while exc is not None and seen < 5 and not timed_out:
        timed_out = isinstance(exc, PoolTimeout)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    pools = getattr(connections["default"], "_connection_pools", {})
    if not timed_out or "default" not in pools:
        return False
    stats = pools["default"].get_stats()
    return stats.get("connections_num", 0) > 0 and stats.get("connections_errors", 0) == 0


def is_database_down(exc: BaseException | None) -> bool:
    # A connection that broke or never opened. Not a lock timeout: a booking that waited
    # too long for a lock answers "busy" (scheduler.errors.Busy) before reaching here.
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest, *, crowded: bool = False) -> HttpResponse:
    """503: the database unreachable ("try again in a minute"), or `crowded`, every
    connection busy in a rush ("try again in a moment", the same answer as a lock wait
    that timed out: nothing is wrong, the family only has to tap again)."""
    if crowded:
        code, retry_after = Busy.code, Busy.retry_after
        message = str(Busy.default_message)
    else:
        code, retry_after = "unavailable", RETRY_AFTER_SECONDS
        message = _("We cannot reach our records right now. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": code, "message": message, "fields": {}}, status=503)
    else:
        # Rendered without the request: base.html would ask for the user (the database).
        response = HttpResponse(render_to_string(
            "unavailable.html", {"message": message, "language": get_language()}),
                                status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 (API: JSON; pages: a short page)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_down(exception):
            return None
        return unavailable_response(request, crowded=is_pool_exhausted(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: errors outside views (a middleware reading the session) land here; the
    database being away is a 503, anything else under /api/ is still JSON."""
    exc = sys.exc_info()[1]
    if is_database_down(exc):
        return unavailable_response(request, crowded=is_pool_exhausted(exc))
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "error", "message": _("Something went wrong on our side."),
                             "fields": {}}, status=500)
    return defaults.server_error(request)
