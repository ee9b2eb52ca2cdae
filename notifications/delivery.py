"""Email and SMS for one inbox delivery, as its recipient prefers: at least once.

Runs in a task (after the event's transaction committed), never inside a request's
transaction: a mail server that hangs must not hold a session's row lock.

Each channel is sent under a lease (`email_lease_until`, `sms_lease_until`) and marked sent
(`emailed_at`, `sms_at`) only after the provider took the message. A worker killed between
the claim and the provider's answer leaves the lease to run out and `external_due_at` set,
so the sweep (`run_periodic`) sends it again: a message may go twice, never zero times.
Each carries a stable id (the email's Message-ID, the SMS reference) so a repeat can be
recognised by the provider or the reader.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import Delivery, Event, Preference
from notifications.preferences import preference_of
from notifications.quiet import quiet_until
from notifications.sms import sms_backend
from notifications.text import render_stored
from scheduler.leases import lease_claim, lease_release

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
    status = _send_channels(delivery, pref)
    if status == BUSY:  # another worker is sending: look again when its lease runs out
        Delivery.objects.filter(pk=delivery.pk).update(
            external_due_at=now + dt.timedelta(seconds=settings.SEND_LEASE_SECONDS))
        return "busy"
    _finish(delivery, ok=status == SENT, now=now)
    return "sent" if status == SENT else "retry"


SENT, BUSY, FAILED = "sent", "busy", "failed"


def _send_channels(delivery: Delivery, pref: Preference) -> str:
    """SENT when every wanted channel has gone, BUSY if one is leased by another worker,
    FAILED if a provider refused (the sweep retries)."""
    with translation.override(pref.language):
        subject, text = rendered(delivery.event)
        results = []
        email = delivery.user.email
        if pref.email_enabled and email:
            results.append(_send_once(delivery, "emailed_at", "email_lease_until",
                                      lambda: _email(delivery, email, subject, text)))
        if pref.sms_enabled and pref.phone:
            results.append(_send_once(delivery, "sms_at", "sms_lease_until",
                                      lambda: _sms(delivery, pref.phone, subject, text)))
    if FAILED in results:
        return FAILED
    return BUSY if BUSY in results else SENT


def rendered(event: Event) -> tuple[str, str]:
    """The event's title and body in the active language."""
    title = render_stored(event.i18n, "title", event.title)
    body = render_stored(event.i18n, "body", event.body)
    return " ".join(title.split()), body


def _send_once(delivery: Delivery, field: str, lease_field: str,
               send: Callable[[], None]) -> str:
    """Lease the channel, send, then mark it sent; a failed send gives the lease back.

    Marked sent only after the provider answered: a sender that dies in between leaves the
    lease to run out and the channel unsent, and the sweep sends it again.
    """
    until = lease_claim(Delivery, pk=delivery.pk, field=lease_field,
                        seconds=settings.SEND_LEASE_SECONDS, **{f"{field}__isnull": True})
    if until is None:
        sent = Delivery.objects.filter(pk=delivery.pk, **{f"{field}__isnull": False}).exists()
        return SENT if sent else BUSY
    try:
        send()
    except Exception:  # any provider error: give the lease back and let the sweep retry
        logger.exception("%s for delivery %s failed", field, delivery.pk)
        lease_release(Delivery, pk=delivery.pk, field=lease_field, until=until)
        return FAILED
    # Even if our lease ran out meanwhile, it went: say so (a repeat is spotted by its id).
    Delivery.objects.filter(pk=delivery.pk).update(**{field: timezone.now(), lease_field: None})
    return SENT


def message_id(delivery: Delivery) -> str:
    """The same Message-ID every time this delivery is emailed: a repeat is recognisable."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<delivery-{delivery.pk}.event-{delivery.event_id}@{domain}>"


def _email(delivery: Delivery, address: str, subject: str, text: str) -> None:
    footer = _("You get this because of your notification settings. "
               "You can change them in the app.")
    # A way back to act on it (accept a place, read the details): the worker sending this
    # has no request to take the address from.
    link = _("Open the app: %(url)s") % {"url": f"{settings.SITE_URL}/"} if (
        settings.SITE_URL) else ""
    body = "\n\n".join(part for part in (text, link) if part)
    EmailMessage(subject=subject, body=f"{body}\n\n--\n{footer}\n", to=[address],
                 headers={"Message-ID": message_id(delivery)}).send()


def _sms(delivery: Delivery, phone: str, subject: str, text: str) -> None:
    message = f"{subject}\n{text}" if text else subject
    if len(message) > SMS_MAX_CHARS:
        message = message[: SMS_MAX_CHARS - 1] + "…"
    sms_backend().send_once(phone, message, reference=f"delivery-{delivery.pk}")


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
