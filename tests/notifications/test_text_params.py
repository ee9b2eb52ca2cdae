"""Message parameters worded when read: a moment on the facility's clock, a day, a count
with its plural, each in the reader's language. No ISO date, no "1 drivers"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from notifications.delivery import rendered
from notifications.services import event_emit
from notifications.text import Text, count, day, moment, ngettext_noop, render_msgid
from tests.notifications.test_pages import browser_for, text

CHICAGO = "America/Chicago"
# 13:00 in Illinois on a Sunday: 19:00 UTC.
SUNDAY_ONE_PM = dt.datetime(2026, 12, 6, 19, 0, tzinfo=dt.UTC)
DRIVERS = ngettext_noop("%(n)d driver", "%(n)d drivers")


def read(msgid: str, language: str, **params: object) -> str:
    with translation.override(language):
        return render_msgid(msgid, dict(params))


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Sunday, December 6, 1 p.m."), ("es", "Domingo, 6 de diciembre, 13:00")])  # first word
def test_a_moment_is_worded_on_the_facilitys_clock_in_the_readers_language(
    language, expected
) -> None:
    assert read("%(when)s", language, when=moment(SUNDAY_ONE_PM, CHICAGO)) == expected


def test_a_moment_can_be_only_its_day_or_only_its_time() -> None:
    assert read("el %(d)s", "es", d=moment(SUNDAY_ONE_PM, CHICAGO, "day")) == (
        "El domingo, 6 de diciembre")
    assert read("%(t)s", "es", t=moment(SUNDAY_ONE_PM, CHICAGO, "time")) == "13:00"
    with pytest.raises(ValueError):
        moment(SUNDAY_ONE_PM, CHICAGO, "week")


def test_a_day_has_no_zone_to_move_it() -> None:
    assert read("%(d)s", "en", d=day(dt.date(2026, 12, 6))) == "Sunday, December 6"


@pytest.mark.parametrize(("language", "n", "expected"), [
    ("en", 1, "1 driver"), ("en", 2, "2 drivers"), ("en", 0, "0 drivers"),
    ("es", 1, "1 conductor"), ("es", 2, "2 conductores")])
def test_counts_take_the_plural_of_the_readers_language(language, n, expected) -> None:
    assert read("%(d)s", language, d=count(DRIVERS, n)) == expected


def test_a_broken_parameter_still_leaves_a_message() -> None:
    worded = read("At %(when)s", "en", when={"moment": "not a date", "tz": "Mars/Base"})
    assert worded.startswith("At ")


@pytest.mark.django_db
def test_one_stored_event_reads_in_each_readers_language(world) -> None:
    title = Text(gettext_noop("Planning rides for %(day)s: %(legs)s, %(drivers)s"),
                 {"day": day(dt.date(2026, 12, 6)),
                  "legs": count(ngettext_noop("%(n)d leg", "%(n)d legs"), 1),
                  "drivers": count(DRIVERS, 1)})
    with transaction.atomic(), translation.override("en"):
        event = event_emit(type="test.plan", title=title, recipients=[world.coordinator])

    with translation.override("es"):
        spanish, _ = rendered(event)
    with translation.override("en"):
        english, _ = rendered(event)

    assert spanish == "Planificando los viajes del domingo, 6 de diciembre: 1 tramo, 1 conductor"
    assert english == "Planning rides for Sunday, December 6: 1 leg, 1 driver"
    assert "2026-12-06" not in str(event.i18n["title"]["msgid"])


@pytest.mark.django_db
def test_the_spanish_inbox_shows_no_iso_date(world) -> None:
    title = Text(gettext_noop("Your visit on %(when)s is cancelled"),
                 {"when": moment(SUNDAY_ONE_PM, CHICAGO)})
    with transaction.atomic():
        event_emit(type="visits.session.closed", title=title, recipients=[world.caregiver])

    page = text(browser_for(world.caregiver, "es").get("/inbox/"))

    assert "6 de diciembre, 13:00" in page and "2026-12-06" not in page
