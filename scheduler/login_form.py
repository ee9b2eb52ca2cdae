"""allauth's sign-in form, relabelled. Its own module: allauth.account.forms imports the
sign-up form class from scheduler.accounts, so that module cannot import allauth's forms."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, with a label that says what to type (its own reads "Login",
    which in Spanish is the same words as the page's title)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email address, mobile number or user name")
        self.fields["login"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"})
