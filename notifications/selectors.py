from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notifications.models import Delivery

INBOX_MAX = 100


def inbox_for_user(*, user: AbstractBaseUser, limit: int = 20) -> QuerySet[Delivery]:
    return Delivery.objects.filter(user=user).select_related("event")[:limit]


def last_event_id(user: AbstractBaseUser) -> int:
    """Where a page's live.js starts listening: events after this one refresh its live part."""
    latest = list(inbox_for_user(user=user, limit=1))
    return latest[0].event_id if latest else 0


def inbox_page(
    *, user: AbstractBaseUser, limit: int = 20, before: int | None = None, unread: bool = False
) -> list[Delivery]:
    """The user's own deliveries, newest first; `before` (an event id) pages further back."""
    qs = Delivery.objects.filter(user_id=user.pk).select_related("event").order_by("-event_id")
    if before is not None:
        qs = qs.filter(event_id__lt=before)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return list(qs[: max(1, min(limit, INBOX_MAX))])


def unread_count(*, user: AbstractBaseUser) -> int:
    return Delivery.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def events_after(*, user_id: int, after: int, limit: int = 500) -> list[dict[str, Any]]:
    """The user's events with id > after, oldest first, shaped like live messages."""
    from notifications.live import event_message
    from notifications.services import event_payload

    deliveries = (
        Delivery.objects.filter(user_id=user_id, event_id__gt=after)
        .select_related("event")
        .order_by("event_id")[:limit]
    )
    return [event_message(d.event_id, d.event.type, event_payload(d.event)) for d in deliveries]
