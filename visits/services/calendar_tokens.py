"""The secret addresses of calendar feeds: make one on first use, reset it, revoke it.

A caregiver has one live token for her household's visits; a liaison one for her
facility's roster. Resetting revokes the old address, so a leaked link stops working.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from visits.access import facility_of_liaison, household_of
from visits.models import CalendarToken, CalendarTokenKind


def _check_may_own(owner: AbstractBaseUser, kind: str) -> None:
    """Only a caregiver has a visits feed and only a liaison a roster feed (NotPermitted)."""
    if kind == CalendarTokenKind.CAREGIVER:
        household_of(owner)
    elif kind == CalendarTokenKind.FACILITY:
        facility_of_liaison(owner)
    else:
        raise ValueError(f"Unknown calendar feed kind {kind!r}")


def _lock_owner(owner: AbstractBaseUser) -> None:
    # Two first page views (or two resets) at once would both find no live token and both
    # insert one; the partial unique constraint would turn the loser into a 500. Holding the
    # owner's row makes the second wait and then find the first one's token.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()


def _live(owner: AbstractBaseUser, kind: str) -> CalendarToken | None:
    live = CalendarToken.objects.filter(owner_id=owner.pk, kind=kind, revoked_at__isnull=True)
    return live.first()


def calendar_token_ensure(
    *, owner: AbstractBaseUser, kind: str, language: str = ""
) -> CalendarToken:
    """The owner's live token of this kind, made now if she has none.

    Raises NotPermitted (a caregiver feed for a non-caregiver, a roster feed for a
    non-liaison). Locks the owner's user row.
    """
    _check_may_own(owner, kind)
    existing = _live(owner, kind)
    if existing is not None:
        return existing
    with transaction.atomic():
        _lock_owner(owner)
        return _live(owner, kind) or CalendarToken.objects.create(
            owner_id=owner.pk, kind=kind, language=language
        )


def calendar_token_revoke(*, owner: AbstractBaseUser, kind: str) -> int:
    """Revoke the owner's live token of this kind (its feed answers 404 from now on).

    Returns how many tokens were revoked (0 or 1). Raises nothing for an owner without one.
    """
    with transaction.atomic():
        return CalendarToken.objects.filter(
            owner_id=owner.pk, kind=kind, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())


def calendar_token_rotate(
    *, owner: AbstractBaseUser, kind: str, language: str = ""
) -> CalendarToken:
    """Revoke the owner's live token of this kind and give her a new one, in one step.

    Raises NotPermitted as `calendar_token_ensure`. Locks the owner's user row.
    """
    _check_may_own(owner, kind)
    with transaction.atomic():
        _lock_owner(owner)
        calendar_token_revoke(owner=owner, kind=kind)
        return CalendarToken.objects.create(owner_id=owner.pk, kind=kind, language=language)
