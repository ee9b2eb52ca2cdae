"""A facility administrator decides who the facility's liaisons are: she invites them by
email and removes them. The invitee accepts with the link (scheduler/staff_views.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduler.errors import Conflict, NotFound, NotPermitted
from scheduler.invitations import check_open, clean_email, new_token, token_hash
from visits.models import Facility, Liaison, LiaisonInvitation


def facility_of_admin(user: AbstractBaseUser) -> Facility:
    """The facility this user administers; NotPermitted for anyone else (a plain liaison too)."""
    liaison = Liaison.objects.select_related("facility").filter(
        user_id=user.pk, is_admin=True).first()
    if liaison is None:
        raise NotPermitted(_("Only the facility administrator can manage its staff."))
    return liaison.facility


def _check_not_staff_already(facility: Facility, email: str) -> None:
    users = get_user_model().objects.filter(email__iexact=email)
    if Liaison.objects.filter(facility=facility, user__in=users).exists():
        message = _("%(email)s is already a liaison here.") % {"email": email}
        raise Conflict(message, fields={"email": [message]}, code="already_staff")


def liaison_invite(*, actor: AbstractBaseUser, email: str,
                   as_admin: bool = False) -> tuple[LiaisonInvitation, str]:
    """Invite `email` to be a liaison of the actor's facility; returns the invitation and its
    secret token (only its hash is kept: the caller mails the link at once). An earlier
    open invitation to the same address is withdrawn, so only the newest link works.
    Raises NotPermitted (not the facility administrator), InvalidInput (bad address),
    Conflict (already a liaison here)."""
    facility = facility_of_admin(actor)
    address = clean_email(email)
    _check_not_staff_already(facility, address)
    token = new_token()
    with transaction.atomic():
        now = timezone.now()
        LiaisonInvitation.objects.filter(
            facility=facility, email=address, accepted_at=None, cancelled_at=None,
        ).update(cancelled_at=now)
        invitation = LiaisonInvitation.objects.create(
            facility=facility, email=address, token_hash=token_hash(token),
            invited_by=actor, as_admin=as_admin)
    return invitation, token


def liaison_invitation_cancel(*, actor: AbstractBaseUser, invitation_id: int) -> None:
    """Withdraw an open invitation of the actor's facility (its link stops working).
    Raises NotPermitted, NotFound (not an open invitation of her facility)."""
    facility = facility_of_admin(actor)
    with transaction.atomic():
        changed = LiaisonInvitation.objects.filter(
            pk=invitation_id, facility=facility, accepted_at=None, cancelled_at=None,
        ).update(cancelled_at=timezone.now())
    if not changed:
        raise NotFound(_("This invitation is not open any more."))


def liaison_remove(*, actor: AbstractBaseUser, liaison_id: int) -> None:
    """Take a liaison off the actor's facility (her account stays, as a plain account).
    Raises NotPermitted, NotFound (not a liaison of her facility), Conflict (herself:
    a facility must keep an administrator)."""
    facility = facility_of_admin(actor)
    with transaction.atomic():
        liaison = Liaison.objects.select_for_update().filter(
            pk=liaison_id, facility=facility).first()
        if liaison is None:
            raise NotFound(_("This liaison does not work at your facility."))
        if liaison.user_id == actor.pk:
            raise Conflict(_("You cannot remove yourself. Ask another administrator."),
                           code="remove_self")
        liaison.delete()


def liaison_invitation_find(token: str) -> LiaisonInvitation | None:
    return LiaisonInvitation.objects.select_related("facility").filter(
        token_hash=token_hash(token)).first()


def liaison_invitation_accept(*, user: AbstractBaseUser, token: str) -> Liaison:
    """Make `user` a liaison of the invitation's facility and close the link for good.
    Locks the invitation, so two taps (or two people) cannot both use it. Raises NotFound,
    Conflict (used, withdrawn, expired, or the account already works for a facility)."""
    with transaction.atomic():
        invitation = LiaisonInvitation.objects.select_for_update().filter(
            token_hash=token_hash(token)).first()
        check_open(invitation)
        assert invitation is not None  # check_open refused a missing one
        if Liaison.objects.filter(user_id=user.pk).exists():
            raise Conflict(_("This account already works for a facility. Sign out and "
                             "create a new account with the link."), code="already_staff")
        liaison = Liaison.objects.create(user=user, facility=invitation.facility,
                                         is_admin=invitation.as_admin)
        LiaisonInvitation.objects.filter(pk=invitation.pk).update(
            accepted_at=timezone.now(), accepted_by=user)
    return liaison
