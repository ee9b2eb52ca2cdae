"""A facility administrator decides who the facility's liaisons are: she invites them by
email and removes them. The invitee accepts with the link (scheduler/staff_views.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduler.errors import Conflict, InvalidInput, NotFound, NotPermitted
from scheduler.invitations import check_open, clean_email, new_token, token_hash
from visits.access import facility_of_liaison
from visits.models import Facility, HousingUnit, Liaison, LiaisonInvitation, Resident


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


# --- the facility's people and units -----------------------------------------------------


def unit_add(*, actor: AbstractBaseUser, name: str) -> HousingUnit:
    """A new housing unit of the administrator's facility. Raises NotPermitted,
    InvalidInput (no name), Conflict (the name is taken)."""
    facility = facility_of_admin(actor)
    clean = name.strip()
    if not clean:
        message = _("Give the unit's name, e.g. “Unit C”.")
        raise InvalidInput(message, fields={"name": [message]})
    with transaction.atomic():
        if HousingUnit.objects.filter(facility=facility, name__iexact=clean).exists():
            message = _("There is already a unit called %(name)s.") % {"name": clean}
            raise Conflict(message, fields={"name": [message]}, code="unit_exists")
        return HousingUnit.objects.create(facility=facility, name=clean[:100])


def _unit_of(facility: Facility, unit_id: int | None) -> HousingUnit | None:
    if unit_id is None:
        return None
    unit = HousingUnit.objects.filter(facility=facility, pk=unit_id).first()
    if unit is None:
        message = _("Choose a unit of your own facility.")
        raise InvalidInput(message, fields={"unit": [message]})
    return unit


def resident_add(*, actor: AbstractBaseUser, first_name: str, last_name: str, prison_id: str,
                 unit_id: int | None) -> Resident:
    """A person held at the liaison's facility, so families can apply to visit her.
    Raises NotPermitted, InvalidInput (each field), Conflict (the ID number is taken)."""
    facility = facility_of_liaison(actor)
    fields = {name: [_("This field is required.")] for name, value in (
        ("first_name", first_name), ("last_name", last_name), ("prison_id", prison_id))
        if not value.strip()}
    if fields:
        raise InvalidInput(_("Please fix what is marked below."), fields=fields)
    unit = _unit_of(facility, unit_id)
    with transaction.atomic():
        # Families' applications match an ID number whatever its case (`iexact`): "w51877"
        # beside "W51877" would match either person, so the same ID in another case is taken.
        if Resident.objects.filter(facility=facility,
                                   prison_id__iexact=prison_id.strip()).exists():
            message = _("Someone here already has this ID number. Check it.")
            raise Conflict(message, fields={"prison_id": [message]}, code="prison_id_taken")
        return Resident.objects.create(
            facility=facility, unit=unit, first_name=first_name.strip()[:100],
            last_name=last_name.strip()[:100], prison_id=prison_id.strip()[:40])


def resident_move(*, actor: AbstractBaseUser, resident_id: int, unit_id: int | None) -> None:
    """Move a resident to another unit of the liaison's facility (her coming visits keep
    their sessions; the liaison reviews them on the roster). Raises NotPermitted, NotFound,
    InvalidInput."""
    facility = facility_of_liaison(actor)
    unit = _unit_of(facility, unit_id)
    with transaction.atomic():
        if not Resident.objects.filter(facility=facility, pk=resident_id).update(unit=unit):
            raise NotFound(_("This person is not held at your facility."))
