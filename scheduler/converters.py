"""The `<id:...>` path converter: a row id that fits the database.

Django's `<int:...>` takes any run of digits; a 30-digit id overflows the database driver
(a 500) instead of simply matching nothing. Longer ids answer 404 at the router.
"""

from __future__ import annotations

from django.urls import register_converter

from scheduler.inputs import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not a row id")  # the router treats this as "no match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")
