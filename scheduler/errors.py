"""One error family for the domain, and the DRF handler that renders it.

Services raise `DomainError` subclasses and never import DRF; the API renders every error
as `{"code", "message", "fields"}`, and pages show the same message.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from scheduler.throttles import throttled_message  # DRF's own text is English only


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("Something is not right with this request.")

    def __init__(
        self,
        message: Any = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.fields = fields or {}
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "fields": self.fields}
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = _("Some of the information is missing or not valid.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("We could not find that.")


class NotPermitted(DomainError):
    code = "not_permitted"
    status = 403
    default_message = _("You are not allowed to do that.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("This cannot be done in the current state.")


class RuleViolation(DomainError):
    """One or more visiting rules refuse the request; `violations` lists all of them."""

    code = "rules_violated"
    status = 422
    default_message = _("This visit does not meet the facility's visiting rules.")


class Busy(DomainError):
    code = "busy"
    status = 503
    default_message = _("Many people are booking right now. Please try again in a moment.")
    retry_after = 2


class SavedMeanwhile(Conflict):
    """A database constraint refused a write: something saved at the same moment (a double
    tap, two people at once) already holds what this request wanted. The service has
    rolled back; trying again gives the real answer."""

    code = "saved_meanwhile"
    default_message = _(
        "This clashes with something saved at the same moment (perhaps the same request sent "
        "twice). Please reload and check before trying again."
    )


def domain_error_of(exc: Exception) -> DomainError | None:
    """The DomainError an exception stands for, if any (a refused constraint is a 409)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, IntegrityError):
        return SavedMeanwhile()
    return None


def _fields_from_drf(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            items = value if isinstance(value, list) else [value]
            out[str(key)] = [str(v) for v in items]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error the API can raise as `{"code", "message", "fields"}`."""
    domain = domain_error_of(exc)
    if domain is not None:
        response = Response(domain.as_dict(), status=domain.status)
        if isinstance(domain, Busy):
            response["Retry-After"] = str(domain.retry_after)
        return response
    if isinstance(exc, ValidationError):
        exc = drf_exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.Throttled):
        body = {"code": "throttled", "message": throttled_message(exc.wait), "fields": {}}
    elif isinstance(exc, drf_exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": str(_("Some of the information is missing or not valid.")),
            "fields": _fields_from_drf(exc.detail),
        }
    else:
        detail = getattr(exc, "detail", "")
        body = {
            "code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
            "message": str(detail),
            "fields": {},
        }
    response.data = body
    return response
