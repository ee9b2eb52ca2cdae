"""A time zone named as people say it: "Chicago time (CST)", not "America/Chicago"."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def zone_label(name: object) -> str:
    """The zone's city and its abbreviation now, in the reader's language; the name itself
    if it is not a zone."""
    text = str(name or "")
    try:
        zone = zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return text
    city = text.rsplit("/", 1)[-1].replace("_", " ")
    abbreviation = dt.datetime.now(zone).strftime("%Z")
    return gettext("%(city)s time (%(abbreviation)s)") % {"city": city,
                                                           "abbreviation": abbreviation}
