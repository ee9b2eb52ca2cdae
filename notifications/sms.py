"""Text messages: a tiny backend interface, chosen by the `SMS_BACKEND` setting.

A provider plugs in by subclassing `BaseSmsBackend` and naming the class in `SMS_BACKEND`.
`send` raises on failure; the caller releases its claim and retries later.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, to: str, text: str) -> None:
        """Send `text` to the E.164 number `to`; raise if it could not be handed over."""
        raise NotImplementedError

    def send_once(self, to: str, text: str, *, reference: str) -> None:
        """Send with a stable `reference` (the same for every repeat of one message).

        Messages go at least once, so one may be repeated after a crash; a provider with
        idempotency keys overrides this to pass `reference` and drop the repeat.
        """
        self.send(to, text)


class LogSmsBackend(BaseSmsBackend):
    """The one-machine default: a log line instead of a message.

    The line names neither the message nor the full number: a text can carry a resident's
    name and a visit's time, and logs are read by people it is not meant for.
    """

    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s (%d characters) not sent: log backend", mask_number(to), len(text))

    def send_once(self, to: str, text: str, *, reference: str) -> None:
        logger.info("SMS %s to %s (%d characters) not sent: log backend", reference,
                    mask_number(to), len(text))


def mask_number(number: str) -> str:
    return f"…{number[-2:]}" if len(number) > 2 else "…"


def sms_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    return backend_class()


class LocmemSmsBackend(BaseSmsBackend):
    """For tests, like Django's locmem email backend: each text is kept in `outbox` as a
    (number, text) pair. Tests clear it themselves."""

    outbox: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        LocmemSmsBackend.outbox.append((to, text))


class ConsoleSmsBackend(BaseSmsBackend):
    """For development only, like Django's console email backend: the whole text (a
    sign-in code included) on standard output. Never in production: texts name people."""

    def send(self, to: str, text: str) -> None:
        print(f"SMS to {to}: {text}", flush=True)
