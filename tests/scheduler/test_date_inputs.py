"""Every date picker in the forms gets its date as 2011-02-14, in any language.

A phone's `<input type="date">` reads only ISO dates: a date written the reader's way
("14/02/2011" in Spanish) shows an empty field, and saving then says the field is required.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.utils import translation

from scheduler.accounts import SignupForm
from transport.views_staff import WindowForm
from visits.views_household import DateInput, PersonForm

BIRTHDAY = dt.date(2011, 2, 14)


def date_pickers() -> list[tuple[str, forms.Form, str]]:
    return [
        ("family member", PersonForm(initial={"date_of_birth": BIRTHDAY}), "date_of_birth"),
        ("sign-up", SignupForm(initial={"date_of_birth": BIRTHDAY}), "date_of_birth"),
        ("driver's window", WindowForm(initial={"day": BIRTHDAY}, vehicles=[]), "day"),
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_date_picker_is_given_an_iso_date(language: str) -> None:
    with translation.override(language):
        for name, form, field in date_pickers():
            html = str(form[field])
            assert 'type="date"' in html, name
            assert 'value="2011-02-14"' in html, (name, html)


def test_the_consent_day_picker_of_an_application_is_given_an_iso_date() -> None:
    # The visit application's "Date consent was given" uses the same widget.
    with translation.override("es"):
        html = DateInput().render("consent_on_1", BIRTHDAY)
    assert 'type="date"' in html and 'value="2011-02-14"' in html


def test_a_date_picker_still_takes_another_format_when_asked() -> None:
    with translation.override("es"):
        assert 'value="14/02/2011"' in DateInput(format="%d/%m/%Y").render("d", BIRTHDAY)
