"""A liaison writes to the families of one session or of one day at her facility."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.models import Event, Preference
from notifications.services import event_emit
from notifications.text import Text
from scheduler.errors import Conflict, InvalidInput, NotFound
from visits.access import facility_of_liaison
from visits.calendar import local_midnight_utc
from visits.models import LIVE_STATUSES, Booking, Facility, Session

MESSAGE_MAX = 1000
EVENT_TYPE = "visits.facility.message"


@dataclass(frozen=True)
class MessageSent:
    told: int  # families told by this call; 0 when `already_sent`
    already_sent: bool  # the send form's token was used before: nothing sent again


@dataclass(frozen=True)
class Audience:
    facility: Facility
    sessions: list[Session]
    caregiver_ids: list[int]  # one per household, whatever its bookings that day


def audience_of(*, actor: AbstractBaseUser, session_id: int | None, day: dt.date | None
                ) -> Audience:
    """The families with a live booking (or a waiting-list place) in the liaison's session,
    or on her facility's local day. Raises NotPermitted, NotFound (another facility's
    session), InvalidInput (neither a session nor a day)."""
    facility = facility_of_liaison(actor)
    sessions = Session.objects.filter(facility=facility)
    if session_id is not None:
        sessions = sessions.filter(pk=session_id)
        if not sessions.exists():
            raise NotFound(_("We could not find that session."))
    elif day is not None:
        sessions = sessions.filter(starts_at__gte=local_midnight_utc(day, facility.time_zone),
                                   starts_at__lt=local_midnight_utc(day + dt.timedelta(days=1),
                                                                    facility.time_zone))
    else:
        raise InvalidInput(fields={"date": [_("Choose a day or a session.")]})
    chosen = list(sessions.order_by("starts_at"))
    caregivers = (Booking.objects.filter(session__in=chosen, status__in=LIVE_STATUSES)
                  .values_list("household__caregiver_id", flat=True).distinct())
    return Audience(facility=facility, sessions=chosen, caregiver_ids=sorted(set(caregivers)))


def message_check(text_en: str, text_es: str) -> None:
    fields = {}
    if not text_en.strip() and not text_es.strip():
        fields["text_en"] = [_("Write the message families will read.")]
    for name, text in (("text_en", text_en), ("text_es", text_es)):
        if len(text.strip()) > MESSAGE_MAX:
            fields[name] = [_("Keep this to %(limit)d characters or fewer.")
                            % {"limit": MESSAGE_MAX}]
    if fields:
        raise InvalidInput(fields=fields)


def facility_message_send(
    *, actor: AbstractBaseUser, session_id: int | None = None, day: dt.date | None = None,
    text_en: str, text_es: str = "", urgent: bool = False, send_token: str,
) -> MessageSent:
    """Tell the audience, each family in the language of her settings (the other text when
    hers is empty): inbox, then email/SMS, held back by quiet hours unless `urgent`.

    `send_token` (one per preview, from the send form) makes a repeated post (a double tap,
    the browser posting again) send nothing: the events keep it, and a token already in
    one gives `already_sent`. Locks the sender's user row. Raises NotPermitted, NotFound,
    InvalidInput, Conflict (nobody booked)."""
    message_check(text_en, text_es)
    audience = audience_of(actor=actor, session_id=session_id, day=day)
    title = Text(gettext_noop("Message from %(facility)s"), {"facility": audience.facility.name})
    data = {"facility_id": audience.facility.pk, "send_token": send_token,
            "session_ids": [s.pk for s in audience.sessions][:50]}
    with transaction.atomic():
        # Two posts of one form arrive together: holding the sender's row makes the second
        # wait for the first to commit, then find its token (no unique column backs it).
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        if _token_used(send_token):
            return MessageSent(told=0, already_sent=True)
        if not audience.caregiver_ids:
            raise Conflict(_("No family is booked then, so there is nobody to write to."),
                           code="nobody_to_tell")
        by_text = _recipients_by_text(audience.caregiver_ids, text_en, text_es)
        for body, user_ids in by_text.items():
            event_emit(type=EVENT_TYPE, title=title, body=body,
                       recipients=[_User(pk) for pk in user_ids], data=data, urgent=urgent)
    return MessageSent(told=len(audience.caregiver_ids), already_sent=False)


def _token_used(send_token: str) -> bool:
    return Event.objects.filter(type=EVENT_TYPE, data__send_token=send_token).exists()


def _recipients_by_text(user_ids: list[int], text_en: str, text_es: str
                        ) -> dict[str, list[int]]:
    """One event per distinct text, not per language."""
    texts = {"en": text_en.strip() or text_es.strip(), "es": text_es.strip() or text_en.strip()}
    by_text: dict[str, list[int]] = {}
    for language, ids in _split_by_language(user_ids).items():
        by_text.setdefault(texts[language], []).extend(ids)
    return by_text


def _split_by_language(user_ids: list[int]) -> dict[str, list[int]]:
    chosen = dict(Preference.objects.filter(user_id__in=user_ids)
                  .values_list("user_id", "language"))
    groups: dict[str, list[int]] = {}
    for pk in user_ids:
        language = chosen.get(pk) or settings.LANGUAGE_CODE
        groups.setdefault("es" if language == "es" else "en", []).append(pk)
    return groups


@dataclass(frozen=True)
class _User:
    """A recipient by id: `event_emit` reads only `pk`, so no user rows are loaded."""

    pk: int
