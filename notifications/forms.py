"""The preferences page's form: it only parses what a browser sends.

Whether the values make sense together (a phone for text messages, both ends of the quiet
hours) is the service's to check (`preferences_save`), so the page and the API agree.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The zones families here live in; a zone set through the API stays selectable.
TIME_ZONES = [
    ("America/New_York", _("Eastern time (New York)")),
    ("America/Chicago", _("Central time (Chicago)")),
    ("America/Denver", _("Mountain time (Denver)")),
    ("America/Phoenix", _("Arizona time (Phoenix)")),
    ("America/Los_Angeles", _("Pacific time (Los Angeles)")),
    ("America/Anchorage", _("Alaska time (Anchorage)")),
    ("Pacific/Honolulu", _("Hawaii time (Honolulu)")),
    ("America/Puerto_Rico", _("Atlantic time (Puerto Rico)")),
    ("UTC", _("Coordinated Universal Time (UTC)")),
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("Send me emails"), required=False)
    sms_enabled = forms.BooleanField(label=_("Send me text messages"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone number"), required=False, max_length=32,
        error_messages={"max_length": _("That number is too long. Enter it with its country "
                                        "code, for example +1 555 123 4567.")},
    )
    language = forms.ChoiceField(
        label=_("Language of my messages"), choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Choose English or Spanish.")},
    )
    quiet_start = forms.TimeField(
        label=_("Quiet from"), required=False, input_formats=TIME_INPUT_FORMATS,
        error_messages={"invalid": _("Enter a time such as 21:30.")},
    )
    quiet_end = forms.TimeField(
        label=_("Quiet until"), required=False, input_formats=TIME_INPUT_FORMATS,
        error_messages={"invalid": _("Enter a time such as 07:00.")},
    )
    time_zone = forms.ChoiceField(
        label=_("My time zone"),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )

    def __init__(self, *args: Any, current_zone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = list(TIME_ZONES)
        if current_zone and current_zone not in dict(choices):
            choices.append((current_zone, current_zone))
        self.fields["time_zone"].choices = choices

    def changes(self) -> dict[str, Any]:
        """The cleaned values as `preferences_save` takes them."""
        return dict(self.cleaned_data)
