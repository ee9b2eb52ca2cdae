"""Her data in her hands: everything the service holds about her household in one ZIP,
and deleting her account. It spans every app, so it lives in the project package; each app
reads and erases its own rows through its own module (visits/transport/notifications
`privacy.py`, `visits.services.privacy`).

What stays after a deletion, and why (README "Your data"): past bookings without any name
(the facility's visit counts) and the travel fund's ledger to the cent (money must always
balance; its entries name no family).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from notifications.preferences import sign_in_phone_of
from notifications.privacy import messages_erase, messages_export
from transport.privacy import rides_erase, rides_export
from visits.access import household_of
from visits.privacy import document_name, household_documents, household_export
from visits.services.privacy import household_close, households_unused_since


def account_export(user: AbstractBaseUser) -> dict[str, Any]:
    """Everything about her, as one JSON-ready dict."""
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {"username": user.get_username(), "email": user.email,
                    "first_name": user.first_name, "last_name": user.last_name,
                    "joined": user.date_joined.isoformat()},
    }
    data.update(household_export(user))
    data["rides"] = rides_export(user)
    data.update(messages_export(user))
    return data


def account_export_zip(user: AbstractBaseUser) -> bytes:
    """data.json and her consent forms, in one ZIP built in memory (a household's forms
    are a few photos; APPLICATION_DOCUMENT_MAX_BYTES bounds each)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(account_export(user), indent=2,
                                                 ensure_ascii=False))
        for person in household_documents(user):
            with person.document.open("rb") as document:
                archive.writestr(document_name(person), document.read())
    return buffer.getvalue()


def account_delete(*, user: AbstractBaseUser) -> None:
    """Close her household (future visits cancelled, people erased), forget where she was
    picked up, her messages, her sign-in identity. One transaction: all of it or nothing.
    Raises NotPermitted for an account that is no caregiver."""
    household = household_of(user)
    with transaction.atomic():
        _erase_household(household.pk, actor=user)


def _erase_household(household_id: int, *, actor: AbstractBaseUser | None) -> None:
    household = household_close(household_id=household_id, actor=actor)
    rides_erase(household_id=household.pk)
    caregiver = get_user_model().objects.get(pk=household.caregiver_id)
    _erase_sign_in_records(caregiver)  # before her preferences (her number) go
    messages_erase(user=caregiver)
    _erase_login(caregiver)


def sessions_end_all(*, user: AbstractBaseUser) -> int:
    """End every session allauth recorded for her (each sign-in is recorded) and delete
    her API tokens. Returns how many sessions ended."""
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    for session in sessions:
        session.end()  # deletes the session from the store, then its record
    Token.objects.filter(user_id=user.pk).delete()
    return len(sessions)


def _erase_login(user: Any) -> None:
    """The account row stays (past bookings point at its household), without a name, an
    address or a way to sign in; a changed password hash ends every session it had."""
    EmailAddress.objects.filter(user=user).delete()
    sessions_end_all(user=user)  # the records name her devices and addresses
    user.username = f"deleted-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def _erase_sign_in_records(user: Any) -> None:
    """django-axes keeps what was typed at sign-in (her user name, address or number) with
    each attempt; after she is gone those would be the last rows naming her."""
    typed = {user.get_username().lower(), user.email.lower()} - {""}
    phone = sign_in_phone_of(user)
    if phone:
        typed.add(phone[0])
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__in=typed).delete()


def households_purge_due(*, now: dt.datetime | None = None) -> int:
    """The retention sweep: households switched off or unused for
    HOUSEHOLD_RETENTION_MONTHS are erased as if she had deleted her account."""
    months = settings.HOUSEHOLD_RETENTION_MONTHS
    if not months:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=30 * months)
    purged = 0
    for household_id in households_unused_since(cutoff):
        with transaction.atomic():
            _erase_household(household_id, actor=None)
        purged += 1
    return purged
