"""The project's allauth adapter: its sign-in steps, and sign-in by mobile number.

Numbers are kept in her notification preferences (the number her texts go to is the number
she signs in with) and codes go by the project's own SMS backend (notifications.sms).
Another flow (e.g. staff invitations) extends this class and calls super() on each hook.
"""

from __future__ import annotations

import contextvars
import logging
import re
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.preferences import (
    sign_in_phone_of,
    sign_in_phone_prove,
    sign_in_phone_set,
    user_by_sign_in_phone,
)
from notifications.sms import sms_backend
from scheduler.phone_numbers import E164, normalise_number

logger = logging.getLogger(__name__)

# Set while allauth checks a password (`AccountAdapter.authenticate`): only then is a number
# nobody proved yet found (`get_user_by_phone`).
_PASSWORD_GIVEN: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sign_in_password_given", default=False)


class MobileNumberField(PhoneField):
    """allauth's phone field, forgiving about how a number is written: spaces, dashes and
    brackets go, and a ten-digit number is taken as a US one (the facilities are in the
    US), so "(555) 123-4567" is +15551234567."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs["validators"] = []
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"placeholder": "", "inputmode": "tel"})

    def to_python(self, value: Any) -> str:
        return normalise_number(super().to_python(value) or "")

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and not re.fullmatch(E164, value):
            raise ValidationError(_(
                "Enter the mobile number with its country code, for example "
                "+1 555 123 4567."), code="invalid_phone")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # allauth says this after three wrong codes (and when codes are asked for too
        # often); "try again later" left her not knowing what to do, or when.
        "too_many_login_attempts": gettext_lazy(
            "That was too many tries. Please sign in again with your email address or "
            "mobile number and your password, and we will send you a new code."),
    }

    def get_login_stages(self) -> list[str]:
        return [
            "scheduler.account_stages.StaffMadeAccountStage"
            if path == "allauth.account.stages.EmailVerificationStage" else path
            for path in super().get_login_stages()
        ]

    def phone_form_field(self, **kwargs: Any) -> Any:
        return MobileNumberField(**kwargs)

    def send_verification_code_sms(self, user: AbstractBaseUser, phone: str, code: str,
                                   **kwargs: Any) -> None:
        """The code in the language of the page she is on (allauth calls this in her
        request). Sent at once, like allauth's email code: she is waiting for it."""
        sms_backend().send(phone, _(
            "Family Visits: your code is %(code)s. It works for %(minutes)d minutes. Nobody "
            "from the service will ask you for it.") % {
                "code": code, "minutes": settings.ACCOUNT_PHONE_VERIFICATION_TIMEOUT // 60})

    def send_account_already_exists_sms(self, phone: str) -> None:
        """Someone signed up with a number that already has an account: the owner is told,
        the page says nothing (nobody can probe which numbers have accounts)."""
        sms_backend().send(phone, _(
            "Family Visits: someone tried to open an account with this number, but you "
            "already have one. Sign in with this number and your password."))

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        sign_in_phone_set(user=user, phone=phone, verified=verified)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        return sign_in_phone_of(user)

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        if not sign_in_phone_prove(user=user, phone=phone):
            logger.warning("user #%s proved a number another account had proved first",
                           user.pk)

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        if code == "too_many_login_attempts":
            # From a form, this is codes asked for too often (allauth's rate limit), by
            # someone who may have no password: not the message after three wrong codes.
            return ValidationError(_(
                "Too many codes were asked for. Please wait a few minutes and try again."),
                code=code)
        return super().validation_error(code, *args)

    def authenticate(self, request: Any, **credentials: Any) -> AbstractBaseUser | None:
        token = _PASSWORD_GIVEN.set(True)
        try:
            return super().authenticate(request, **credentials)
        finally:
            _PASSWORD_GIVEN.reset(token)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        # The forms hand over the number as typed ("+1 555 123 4567"). A number given at
        # sign-up and never proved is found only with the account's password: after three
        # wrong codes she signs in with her number and password, and allauth's verification
        # step texts her a new code before she is in. Anywhere else only an account that
        # proved the number is found: for a sign-in code, an unproved number would let
        # whoever holds it into an account someone else opened with it; for a sign-up, it
        # would keep the number's owner from opening her own account (and she would be
        # told to sign in to that one); for a change of number, it would stand in the way.
        return user_by_sign_in_phone(normalise_number(phone),
                                     proved_only=not _PASSWORD_GIVEN.get())
