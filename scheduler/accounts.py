"""Sign-up with django-allauth: the extra questions a new caregiver answers, and the
household opened for her account.

It lives in the project package because allauth's form is the project's front door; the
household itself is written by the visits service, as every other write.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage
from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from notifications.preferences import preference_update
from scheduler.errors import DomainError
from visits.services import household_open


class DateInput(forms.DateInput):
    """The phone's own date picker."""

    input_type = "date"


class SignupForm(forms.Form):
    """Asked on allauth's sign-up page, under the email address and password."""

    first_name = forms.CharField(label=_("Your first name"), max_length=100)
    last_name = forms.CharField(label=_("Your last name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Your date of birth"), widget=DateInput,
        help_text=_("The facility checks the age of every visitor."),
    )

    def clean(self) -> dict:
        data = super().clean()
        if {"first_name", "last_name", "date_of_birth"} <= set(data):
            # The service's checks, run before the account exists, so a refused birthday
            # leaves no account without a household behind.
            from visits.services.household import check_person

            try:
                check_person(**{k: data[k] for k in ("first_name", "last_name",
                                                      "date_of_birth")})
            except DomainError as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        self.add_error(field, problem)
        return data

    def signup(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """allauth calls this once the account is saved: open her household."""
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        household_open(user=user, first_name=user.first_name, last_name=user.last_name,
                       date_of_birth=self.cleaned_data["date_of_birth"])
        # She is told every decision later in the language she signed up in.
        language = (get_language() or settings.LANGUAGE_CODE)[:2]
        if language in dict(settings.LANGUAGES):
            preference_update(user=user, language=language)


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, with a label that says what to type (its own reads "Login",
    which in Spanish is the same words as the page's title)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("User name or email address")
        self.fields["login"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"})


class StaffMadeAccountStage(EmailVerificationStage):
    """Email verification, except for accounts staff made without any address (the demo's,
    liaisons and drivers set up in the admin): there is nothing to verify, and asking would
    lock them out. Every account made by sign-up has an address and must prove it."""

    def handle(self):  # type: ignore[no-untyped-def]
        user = self.login.user
        if (not self.login.signup and user is not None and not user.email
                and not EmailAddress.objects.filter(user_id=user.pk).exists()):
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        return [
            "scheduler.accounts.StaffMadeAccountStage"
            if path == "allauth.account.stages.EmailVerificationStage" else path
            for path in super().get_login_stages()
        ]
