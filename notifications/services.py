"""Write events into the outbox. Callers are inside their own transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.live import push_after_commit
from notifications.models import Delivery, Event, Preference
from notifications.tasks import send_deliveries_external, send_delivery_external
from notifications.text import Text, stored_i18n, text_of
from scheduler.errors import NotFound

logger = logging.getLogger(__name__)

# If the task enqueued after commit is lost (a crash between COMMIT and enqueue), the
# periodic sweep sends the email/SMS after this long.
EXTERNAL_SAFETY_NET = dt.timedelta(minutes=5)
# Deliveries per email/SMS task when one event has many recipients (a closure).
EXTERNAL_BATCH = 50


def event_emit(
    *,
    type: str,
    title: str | Text,
    body: str | Text = "",
    recipients: Iterable[AbstractBaseUser],
    data: dict[str, Any] | None = None,
    urgent: bool = False,
    external: bool = True,
    languages: Mapping[int, str | None] | None = None,
) -> Event:
    """Record an event for `recipients` in the caller's transaction (outbox).

    A rolled-back change rolls its event back with it, so nothing is ever announced
    that did not happen. After commit the event is pushed to live sockets, and a task per
    recipient sends email/SMS as they prefer. `urgent` (cancellations, closures) is never
    held back by quiet hours. `external=False` keeps it to the inbox and live pages (for
    routine staff notices that would otherwise send one email per family). Give
    `title`/`body` as `Text` to have them translated into each recipient's language;
    `languages` (user id -> language) saves a query where the caller already read them.
    """
    user_ids = sorted({user.pk for user in recipients if user is not None})
    with _language_of_sole_reader(user_ids, title, body, languages=languages):
        title_text, body_text = text_of(title)[:200], text_of(body)
    event = Event.objects.create(
        type=type, title=title_text, body=body_text, data=data or {},
        i18n=stored_i18n(title=title, body=body), urgent=urgent,
    )
    due = timezone.now() + EXTERNAL_SAFETY_NET if external else None
    created = Delivery.objects.bulk_create(
        [Delivery(event=event, user_id=pk, external_due_at=due) for pk in user_ids]
    )
    push_after_commit(
        event_id=event.pk, event_type=event.type, data=event_payload(event), user_ids=user_ids
    )
    if external:
        delivery_ids = [d.pk for d in created]
        transaction.on_commit(lambda: enqueue_external(delivery_ids))
    return event


@dataclass(frozen=True)
class Notice:
    """One person's own event, for `notices_emit`."""

    user_id: int
    type: str
    title: str | Text
    body: str | Text = ""
    data: dict[str, Any] | None = None
    urgent: bool = False


def notices_emit(
    notices: Sequence[Notice], *, languages: Mapping[int, str | None]
) -> list[Event]:
    """`event_emit` for many events of one reader each, written together: a request round
    tells thousands of families at once, and one INSERT of events, one of deliveries and
    one batch of email/SMS tasks replace a round of each per family. `languages` holds
    each reader's language (None: the site's); their words are stored in it."""
    events = []
    for notice in notices:
        with translation.override(languages.get(notice.user_id) or settings.LANGUAGE_CODE):
            title_text, body_text = text_of(notice.title)[:200], text_of(notice.body)
        events.append(Event(
            type=notice.type, title=title_text, body=body_text, data=notice.data or {},
            i18n=stored_i18n(title=notice.title, body=notice.body), urgent=notice.urgent,
        ))
    Event.objects.bulk_create(events)
    due = timezone.now() + EXTERNAL_SAFETY_NET
    deliveries = Delivery.objects.bulk_create([
        Delivery(event=event, user_id=notice.user_id, external_due_at=due)
        for event, notice in zip(events, notices, strict=True)
    ])
    for event, notice in zip(events, notices, strict=True):
        push_after_commit(event_id=event.pk, event_type=event.type, data=event_payload(event),
                          user_ids=[notice.user_id])
    delivery_ids = [d.pk for d in deliveries]
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_external(delivery_ids))
    return events


def _language_of_sole_reader(
    user_ids: list[int], *texts: str | Text, languages: Mapping[int, str | None] | None
) -> AbstractContextManager[None]:
    """For an event with one reader, store its words in that reader's language.

    Many readers share one stored text (in the actor's language); the inbox API and email
    render translatable text again for each of them anyway.
    """
    if len(user_ids) != 1 or not any(isinstance(t, Text) for t in texts):
        return nullcontext()
    if languages is not None:
        language = languages.get(user_ids[0])
    else:
        language = (
            Preference.objects.filter(user_id=user_ids[0])
            .values_list("language", flat=True).first()
        )
    return translation.override(language or settings.LANGUAGE_CODE)


def enqueue_external(delivery_ids: list[int]) -> None:
    """One task for one recipient, one per EXTERNAL_BATCH for many (a closure told to 1,000
    families must not write 1,000 task rows after its commit). A failed enqueue is left
    to the sweep (`external_due_at`)."""
    try:
        if len(delivery_ids) == 1:
            send_delivery_external.enqueue(delivery_id=delivery_ids[0])
            return
        for start in range(0, len(delivery_ids), EXTERNAL_BATCH):
            send_deliveries_external.enqueue(
                delivery_ids=delivery_ids[start:start + EXTERNAL_BATCH])
    except Exception:  # the change is committed; the user's request must not fail now
        logger.exception("could not enqueue email/SMS for deliveries %s", delivery_ids[:5])


def event_payload(event: Event) -> dict[str, Any]:
    """What a socket receives as `data`: the stored data plus the human title and body."""
    return {**event.data, "title": event.title, "body": event.body}


def delivery_mark_read(*, user: AbstractBaseUser, delivery_id: int) -> Delivery:
    """Mark one of the user's own deliveries read (again is harmless).

    Raises NotFound for a delivery that is not the user's: whether it exists is not theirs
    to learn.
    """
    with transaction.atomic():
        delivery = Delivery.objects.filter(pk=delivery_id, user_id=user.pk).first()
        if delivery is None:
            raise NotFound(_("We could not find that message."))
        if delivery.read_at is None:
            Delivery.objects.filter(pk=delivery.pk, read_at__isnull=True).update(
                read_at=timezone.now()
            )
            delivery.refresh_from_db(fields=["read_at"])
    return delivery


def inbox_mark_all_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread delivery of the user read; returns how many changed."""
    with transaction.atomic():
        return Delivery.objects.filter(user_id=user.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
