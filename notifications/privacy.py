"""What notifications holds about one person: her messages and preferences; and erasing it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from notifications.delivery import rendered
from notifications.models import Delivery, Preference


def messages_export(user: AbstractBaseUser) -> dict[str, Any]:
    deliveries = Delivery.objects.filter(user_id=user.pk).select_related("event").order_by("pk")
    preference = Preference.objects.filter(user_id=user.pk).first()
    return {
        "messages": [_message(d) for d in deliveries],
        "preferences": None if preference is None else {
            "email": preference.email_enabled, "text_messages": preference.sms_enabled,
            "mobile": preference.phone, "language": preference.language,
            "time_zone": preference.time_zone},
    }


def _message(delivery: Delivery) -> dict[str, Any]:
    title, body = rendered(delivery.event)  # in her language, as her inbox shows it
    return {"title": title, "body": body, "sent_at": delivery.event.created_at.isoformat(),
            "read": delivery.read_at is not None}


def messages_erase(*, user: AbstractBaseUser) -> None:
    """Her inbox and preferences go (events other people also got stay in theirs)."""
    with transaction.atomic():
        Delivery.objects.filter(user_id=user.pk).delete()
        Preference.objects.filter(user_id=user.pk).delete()
