"""The API's side of the input discipline (scheduler.inputs): a JSON parser that bounds size
and depth before parsing, and serializer fields that refuse what would fail further in.

Imports no app, so every app's serializers use the same fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser

from scheduler.inputs import (
    MAX_DATE,
    MAX_ID,
    MAX_JSON_BYTES,
    MIN_DATE,
    InputRejected,
    date_range_message,
    loads_bounded,
)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request is too large.")
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """JSON bodies of at most MAX_JSON_BYTES and MAX_JSON_DEPTH, text that can be stored.

    Reads one byte past the limit rather than trusting Content-Length, so a lying or
    chunked request cannot make the server read (or parse) more.
    """

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        raw = stream.read(MAX_JSON_BYTES + 1) if stream is not None else b""
        try:
            return loads_bounded(raw)
        except InputRejected as exc:
            if exc.status == 413:
                raise PayloadTooLarge() from exc
            if exc.field:
                raise exceptions.ValidationError({exc.field: [exc.message]}) from exc
            raise exceptions.ParseError(exc.message) from exc


class IdField(serializers.IntegerField):
    """A row id: a whole number (never a boolean) that fits the database."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        # int() reads Arabic-Indic and other scripts' digits too; an id is ASCII.
        if isinstance(data, str) and not data.isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    """A number: `true` is not 1.0 and "NaN" is not a latitude."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if value != value or value in (float("inf"), float("-inf")):
            self.fail("invalid")
        return value


class StrictBooleanField(serializers.BooleanField):
    """true/false (or the usual form spellings), never a number."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, int | float) and not isinstance(data, bool):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class SaneDateField(serializers.DateField):
    """A date between MIN_DATE and MAX_DATE, so that `day + 1` and time zones never overflow."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        if not MIN_DATE <= day <= MAX_DATE:
            raise serializers.ValidationError(date_range_message(), code="date_range")
        return day


class SaneDateTimeField(serializers.DateTimeField):
    """A moment whose date lies in the sane range (converting year 9999 to UTC overflows)."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str) and value[:4].isascii() and value[:4].isdigit():
            year = int(value[:4])
            if not MIN_DATE.year <= year <= MAX_DATE.year:
                raise serializers.ValidationError(date_range_message(), code="date_range")
        return super().to_internal_value(value)


def id_list(*, max_length: int, required: bool = True, **kwargs: Any) -> serializers.ListField:
    """A list of row ids that must not be empty when given."""
    kwargs.setdefault("error_messages", {})
    kwargs["error_messages"].setdefault("empty", _("Choose at least one."))
    kwargs["error_messages"].setdefault("min_length", _("Choose at least one."))
    return serializers.ListField(child=IdField(), min_length=1, max_length=max_length,
                                 allow_empty=False, required=required, **kwargs)
