"""Our own pages for 400, 403 (and the CSRF check), 404, 405 and 500: translated, phone-sized,
with a way back, never Django's bare English pages. Imports no app.

A refused CSRF check on a page almost always means the page was open while she signed in
or out in another tab (the token turned over): she is sent back to the page she was on,
told to do that step once more, rather than shown "Forbidden".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def same_site_referer(request: HttpRequest) -> str | None:
    """The page she came from, when it is one of ours (never off the site, never the API)."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if not path.startswith("/") or path.startswith(API_PREFIX) else path


def error_page(request: HttpRequest, *, status: int, title: str, message: str,
               again_url: str | None = None) -> HttpResponse:
    return render(request, "error.html", {"error": {"title": title, "message": message},
                                          "again_url": again_url}, status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return defaults.bad_request(request, exception)
    return error_page(request, status=400, title=_("Something is not right"),
                      message=_("We could not read what your phone sent. Please go back and "
                                "try again."), again_url=same_site_referer(request))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return defaults.permission_denied(request, exception)
    return error_page(request, status=403, title=_("This page is not open to you"),
                      message=_("You are signed in with an account that cannot see this page. "
                                "If you think it should, ask whoever gave you your account."))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return defaults.page_not_found(request, exception)
    return error_page(request, status=404, title=_("We cannot find that page"),
                      message=_("The address may be mistyped, or the page has moved. Start "
                                "again from the first page."))


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    """A button's address opened as a page (a bookmark, or the way back from signing in)."""
    return error_page(request, status=405, title=_("This address is a button, not a page"),
                      message=_("Nothing was changed. Go back to the page and press the "
                                "button there."), again_url=same_site_referer(request))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the page was open too long; here it is again, nothing done."""
    if _is_api(request):
        return HttpResponse(status=403)  # ApiJsonMiddleware answers it as JSON
    again = same_site_referer(request)
    if again is None:
        return error_page(request, status=403, title=_("Your page was open too long"),
                          message=_("For your safety nothing was done. Please go back, "
                                    "reload the page and try once more."))
    if request.user.is_authenticated and again.startswith("/login/"):
        messages.info(request, _("You are already signed in."))
        return redirect("home")
    messages.warning(request, _("Your page was open too long, so nothing was done. Here it "
                                "is again: please do that step once more."))
    return redirect(again)


def server_error_page() -> HttpResponse:
    """A 500 page that needs nothing (no user, no session, no database)."""
    return HttpResponse(render_to_string("500.html", {"language": get_language()}), status=500)
