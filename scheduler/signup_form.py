"""allauth's sign-up form, asking for an email address OR a mobile number. Its own module,
like login_form: allauth.account.forms imports scheduler.accounts (the extra questions)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.utils.translation import gettext_lazy as _

# Email first, then the number, so the page reads "one or the other" top to bottom.
ORDER = ["email", "phone", "password1", "password2", "first_name", "last_name",
         "date_of_birth"]


class SignupForm(AllauthSignupForm):
    """A grandmother without email signs up with her mobile number; the code comes by text.
    allauth's settings keep "email*" (its checks tie code verification to it), so the
    address is made optional here, for this form only."""

    field_order = ORDER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["email_required"] = False
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].help_text = _("Or leave it empty and give a mobile number.")
        self.fields["phone"].label = _("Mobile number")
        self.fields["phone"].help_text = _(
            "Give your number if you have no email address, or if you want text messages. "
            "We text you a code to check it.")
        for name in ("email", "phone"):
            self.fields[name].widget.attrs.pop("placeholder", None)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("email") and not data.get("phone") and not (
                self.has_error("email") or self.has_error("phone")):
            self.add_error("email", _(
                "Give an email address or a mobile number, so we can send you a code."))
        return data
