"""Email and SMS for one inbox delivery, as its recipient prefers; safe to run twice.

Runs in a task (after the event's transaction committed), never inside a request's
transaction: a mail server that hangs must not hold a session's row lock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import Delivery, Event, Preference
from notifications.preferences import preference_of
from notifications.quiet import quiet_until
from notifications.sms import sms_backend
from notifications.text import render_stored

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SMS_MAX_CHARS = 320
SWEEP_BATCH = 200


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=5 * (attempts + 1))


def delivery_send_external(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Email and text one delivery's event to its recipient, per their preferences.

    Returns what happened: "sent", "held" (quiet hours; the sweep sends it when they end),
    "retry" (a channel failed; the sweep retries) or "gone" (the delivery was deleted).
    Urgent events (cancellations, closures) ignore quiet hours.
    """
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("event", "user").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"
    pref = preference_of(delivery.user)
    if not delivery.event.urgent:
        until = quiet_until(
            now, start=pref.quiet_start, end=pref.quiet_end, tz_name=pref.time_zone
        )
        if until is not None:
            Delivery.objects.filter(pk=delivery.pk).update(external_due_at=until)
            return "held"
    ok = _send_channels(delivery, pref)
    _finish(delivery, ok=ok, now=now)
    return "sent" if ok else "retry"


def _send_channels(delivery: Delivery, pref: Preference) -> bool:
    with translation.override(pref.language):
        subject, text = rendered(delivery.event)
        ok = True
        email = delivery.user.email
        if pref.email_enabled and email:
            ok &= _send_once(delivery, "emailed_at", lambda: _email(email, subject, text))
        if pref.sms_enabled and pref.phone:
            ok &= _send_once(delivery, "sms_at", lambda: _sms(pref.phone, subject, text))
    return ok


def rendered(event: Event) -> tuple[str, str]:
    """The event's title and body in the active language."""
    title = render_stored(event.i18n, "title", event.title)
    body = render_stored(event.i18n, "body", event.body)
    return " ".join(title.split()), body


def _send_once(delivery: Delivery, field: str, send: Callable[[], None]) -> bool:
    """Claim the channel (compare-and-swap), then send; a failed send gives the claim back.

    Zero rows claimed means another run sent (or is sending) it: nothing to do.
    """
    claimed_at = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery.pk, **{f"{field}__isnull": True}).update(
        **{field: claimed_at}
    )
    if not claimed:
        return True
    try:
        send()
    except Exception:  # any provider error: give the claim back and let the sweep retry
        logger.exception("%s for delivery %s failed", field, delivery.pk)
        Delivery.objects.filter(pk=delivery.pk, **{field: claimed_at}).update(**{field: None})
        return False
    return True


def _email(address: str, subject: str, text: str) -> None:
    footer = _("You get this because of your notification settings. "
               "You can change them in the app.")
    EmailMessage(subject=subject, body=f"{text}\n\n--\n{footer}\n", to=[address]).send()


def _sms(phone: str, subject: str, text: str) -> None:
    message = f"{subject}\n{text}" if text else subject
    if len(message) > SMS_MAX_CHARS:
        message = message[: SMS_MAX_CHARS - 1] + "…"
    sms_backend().send(phone, message)


def _finish(delivery: Delivery, *, ok: bool, now: dt.datetime) -> None:
    attempts = delivery.external_attempts + (0 if ok else 1)
    if ok or attempts >= MAX_ATTEMPTS:
        if not ok:
            logger.error("gave up email/SMS for delivery %s after %d tries", delivery.pk, attempts)
        Delivery.objects.filter(pk=delivery.pk).update(
            external_due_at=None, external_attempts=attempts
        )
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        external_due_at=now + _retry_delay(attempts), external_attempts=F("external_attempts") + 1
    )


def deliveries_send_due(*, now: dt.datetime | None = None) -> int:
    """Send what is owed: held past quiet hours, retries, and tasks that never ran.

    Returns how many deliveries were sent (including those with nothing to send).
    """
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(external_due_at__lte=now)
        .order_by("external_due_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(delivery_send_external(delivery_id=pk, now=now) == "sent" for pk in due)
