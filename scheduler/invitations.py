"""Staff invitations, shared by visits (liaisons) and transport (coordinators, drivers).

An invitation is a secret link sent to one email address. Only a hash of its token is kept,
so a copy of the database opens no account; it works once and until it expires
(`STAFF_INVITATION_DAYS`). Imports no app: each app keeps its own invitation model on the
abstract base below and checks its own roles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduler.errors import Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry_from_now() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.STAFF_INVITATION_DAYS)


class Invitation(models.Model):
    """One link for one email address; `accepted_at` or `cancelled_at` closes it for good."""

    email = models.EmailField(gettext_lazy("email address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(gettext_lazy("expires at"), default=expiry_from_now)
    accepted_at = models.DateTimeField(gettext_lazy("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(gettext_lazy("cancelled at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def is_pending(self) -> bool:
        return (self.accepted_at is None and self.cancelled_at is None
                and self.expires_at > timezone.now())


def clean_email(raw: str) -> str:
    """The address, trimmed and lower-cased; InvalidInput that says what to fix."""
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = _("Enter an email address such as name@example.org.")
        raise InvalidInput(message, fields={"email": [message]}) from None
    return email


def check_open(invitation: Invitation | None) -> None:
    """Refuse a link that was never sent, was used, cancelled, or has expired."""
    if invitation is None:
        raise NotFound(_("This invitation link is not known. Check that you copied all of it, "
                         "or ask for a new invitation."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used. Sign in instead, or ask "
                         "for a new invitation."), code="invitation_used")
    if invitation.cancelled_at is not None:
        raise Conflict(_("This invitation was withdrawn. Ask the person who sent it for a "
                         "new one."), code="invitation_cancelled")
    if invitation.expires_at <= timezone.now():
        raise Conflict(_("This invitation has expired. Ask the person who sent it for a new "
                       "one."), code="invitation_expired")


def send_invitation(*, email: str, link: str, place: str, role: str) -> bool:
    """The email with the link; False if the mail server refused it (the page says so, and
    inviting again sends a new link, withdrawing this one)."""
    subject = _("You are invited to help with family visits at %(place)s") % {"place": place}
    body = _("You are invited to join %(place)s as %(role)s.\n\n"
             "Open this link to create your account (it works once, for %(days)d days):\n"
             "%(link)s\n\nIf you did not expect this, ignore this email.") % {
        "place": place, "role": role, "link": link, "days": settings.STAFF_INVITATION_DAYS}
    try:
        send_mail(subject, body, None, [email])
    except (OSError, smtplib.SMTPException):
        logger.exception("invitation email not sent")  # no address or link in the log
        return False
    return True
