import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from notifications.cursor import Cursor
from notifications.message import LiveMessage
from notifications.models import Delivery, Event

INBOX_MAX = 100


def inbox_for_user(*, user: AbstractBaseUser, limit: int = 20) -> QuerySet[Delivery]:
    return Delivery.objects.filter(user=user).select_related("event")[:limit]


def live_start(user: AbstractBaseUser) -> str:
    """Where a page's live.js starts listening: a cursor that counts what the page shows as
    seen (`data-after`)."""
    return live_cursor_text(user_id=user.pk)


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


def settled_event_id(*, now: dt.datetime | None = None) -> int:
    """The highest event id below which the outbox can no longer change.

    Ids are handed out at INSERT and become visible at COMMIT, so a lower id can appear
    after a higher one. No transaction that writes events stays open for
    LIVE_SETTLE_SECONDS (requests answer in seconds; bulk work commits in batches), so an
    event created longer ago than that has committed or rolled back for good. Walks the id
    index down from the newest: it reads only the last minute's events.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.LIVE_SETTLE_SECONDS)
    found = (
        Event.objects.filter(created_at__lt=cutoff).order_by("-id").values_list("id", flat=True)
    ).first()
    return found or 0


def known_cursor(*, user_id: int) -> Cursor:
    """A cursor that counts every event of the user committed so far as delivered: what a
    page just rendered (it shows the current state), or a socket that asked for no replay."""
    floor = settled_event_id()
    above = Delivery.objects.filter(user_id=user_id, event_id__gt=floor).values_list(
        "event_id", flat=True
    )
    return Cursor(floor=floor, above=set(above))


def live_cursor_text(*, user_id: int) -> str:
    """`known_cursor` as the text a page hands to its live socket (`data-after`)."""
    return known_cursor(user_id=user_id).text()


def deliveries_missing(*, user_id: int, cursor: Cursor, limit: int = 500) -> list[LiveMessage]:
    """The user's events above the cursor's floor that it has not delivered, oldest first.

    At most `limit`; the caller takes them into the cursor and asks again until fewer come.
    """
    rows = (
        Delivery.objects.filter(user_id=user_id, event_id__gt=cursor.floor)
        .exclude(event_id__in=sorted(cursor.above))
        .select_related("event")
        .order_by("event_id")[:limit]
    )
    return [live_message_of(d.event) for d in rows]


def live_message_of(event: Event) -> LiveMessage:
    from notifications.services import event_payload

    return LiveMessage(id=event.pk, event_type=event.type, data=event_payload(event))


def outbox_ids_after(*, after: int | None) -> tuple[int, list[int]]:
    """(the settled id now, the ids of events above `after`); `after=None` on a watcher's
    first look, which starts from the settled id."""
    settled = settled_event_id()
    floor = settled if after is None else min(after, settled)
    ids = Event.objects.filter(id__gt=floor).order_by("id").values_list("id", flat=True)
    return settled, list(ids)


def outbox_deliveries(
    *, event_ids: list[int], user_ids: list[int]
) -> list[tuple[int, LiveMessage]]:
    """(user id, message) for these events' deliveries to these users, in event order."""
    if not event_ids or not user_ids:
        return []
    rows = (
        Delivery.objects.filter(event_id__in=event_ids, user_id__in=user_ids)
        .select_related("event")
        .order_by("event_id", "user_id")
    )
    messages: dict[int, LiveMessage] = {}
    out = []
    for row in rows:
        if row.event_id not in messages:
            messages[row.event_id] = live_message_of(row.event)
        out.append((row.user_id, messages[row.event_id]))
    return out
