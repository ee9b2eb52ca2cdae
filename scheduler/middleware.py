from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scheduler.errors import DomainError


class DomainErrorPageMiddleware:
    """Pages show a DomainError as a friendly page with its status, never a 500."""

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        return render(request, "error.html", {"error": exception}, status=exception.status)
