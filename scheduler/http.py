"""Small HTTP helpers every app's views and APIs share. Imports no app (import-linter
checks it), so any app may use them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from scheduler.errors import DomainError


def valid(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
    """The validated data of `serializer_class(data=data)`; a DRF ValidationError (400
    with each field's problem) otherwise."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def show_error(request: HttpRequest, error: DomainError) -> None:
    """Show a refused action on the next page: its message, then each field's problem."""
    messages.error(request, error.message)
    for problems in error.fields.values():
        for problem in problems:
            if problem != error.message:
                messages.error(request, problem)


def error_summary(error: DomainError, anchors: dict[str, str],
                  default: str) -> list[dict[str, str]]:
    """A refusal as GOV.UK's error summary lists it (`includes/error_summary.html`): each
    field's problem linking to that field's box (`anchors`: field name -> element id, else
    `default`), or the refusal's own message when it names no field."""
    problems = [{"anchor": anchors.get(field, default), "message": str(message)}
                for field, texts in error.fields.items() for message in texts]
    return problems or [{"anchor": default, "message": str(error.message)}]


def run_action(
    request: HttpRequest, action: Callable[[], object], done: str, back: str
) -> HttpResponse:
    """Run a page's button: `done` as a success message, or why it was refused; then back."""
    try:
        action()
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, done)
    return redirect(back)
