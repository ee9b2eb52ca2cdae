"""Sign-up with django-allauth: the extra questions a new caregiver answers, and the
household opened for her account.

It lives in the project package because allauth's form is the project's front door; the
household itself is written by the visits service, as every other write.
"""

from __future__ import annotations

from typing import Any

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
    """The phone's own date picker. It reads only ISO dates ("2011-02-14"): a date written
    the reader's way ("14/02/2011" in Spanish) would show an empty field."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format=format or "%Y-%m-%d")


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
