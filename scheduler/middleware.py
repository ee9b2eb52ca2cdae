from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scheduler.errors import domain_error_of


class DomainErrorPageMiddleware:
    """Pages show a DomainError (or a refused constraint, as a 409) as a friendly page with
    its status, never a 500."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        error = domain_error_of(exception)
        if error is None or request.path.startswith("/api/"):
            return None
        return render(request, "error.html", {"error": error}, status=error.status)
