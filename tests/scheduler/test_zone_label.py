"""Zones are named as people say them ("Chicago time (CST)"), never "America/Chicago"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import translation

from scheduler.templatetags.zones import zone_label


def test_a_zone_is_its_city_and_its_abbreviation_now() -> None:
    abbreviation = dt.datetime.now(zoneinfo.ZoneInfo("America/Los_Angeles")).strftime("%Z")
    assert zone_label("America/Los_Angeles") == f"Los Angeles time ({abbreviation})"
    assert abbreviation in {"PST", "PDT"}


def test_the_label_speaks_spanish() -> None:
    with translation.override("es"):
        assert zone_label("America/Chicago").startswith("hora de Chicago (C")


def test_anything_else_is_shown_as_it_is() -> None:
    assert zone_label("Not/AZone") == "Not/AZone"
    assert zone_label("") == ""
