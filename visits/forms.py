"""The visiting rules page's form: weekdays, times and sizes in, a rule's values out.

Whether the rule holds together as a whole (its unit, its request period) is the service's
to check (`rule_check`), so the page and the admin refuse the same things.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from visits.info_models import INFO_FIELDS, INFO_MAX_LENGTH, FacilityInfo
from visits.models import AllocationMode, Facility, HousingUnit, VisitingRule, VisitKind
from visits.reasons import ClosureReason
from visits.recurrence import WEEKDAY_NAMES, Recurrence, check_times, from_rrule, to_rrule

TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
# Start times a rule may have: four fit a day of visits, and the page shows four boxes.
MAX_TIMES = 4


def _number(label: str, low: int, high: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=low, max_value=high, **kwargs)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name families will see"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices, widget=forms.RadioSelect)
    unit = forms.ModelChoiceField(
        label=_("Housing unit"), queryset=HousingUnit.objects.none(), required=False,
        empty_label=_("The whole facility"),
        error_messages={"invalid_choice": _("Choose a unit from the list.")},
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"), coerce=int, choices=list(enumerate(WEEKDAY_NAMES)),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one day.")},
    )
    times = forms.Field(label=_("Start times"), required=False,
                        widget=forms.MultipleHiddenInput)
    duration_minutes = _number(_("Length of each visit (minutes)"), 5, 12 * 60)
    capacity = _number(_("Places (tables or video stations)"), 1, 500)
    max_adults = _number(_("Adults per visit"), 1, 20)
    max_children = _number(_("Children per visit"), 0, 20)
    max_visitors = _number(_("Visitors per visit, in all"), 1, 30)
    opens_days_before = _number(_("Booking opens (days before)"), 0, 365)
    closes_hours_before = _number(_("Booking closes (hours before)"), 0, 24 * 30)
    cancel_hours_before = _number(_("Families can cancel online until (hours before)"), 0,
                                  24 * 30)
    weekly_quota = _number(_("Visits per resident per week"), 1, 50)
    monthly_quota = _number(_("Visits per resident per month"), 1, 200)
    allocation_mode = forms.ChoiceField(label=_("How places are given out"),
                                        choices=AllocationMode.choices, widget=forms.RadioSelect)
    round_opens_days_before = _number(_("Requests open (days before)"), 1, 365)
    round_closes_days_before = _number(_("Requests close (days before)"), 0, 364)
    join_instructions = forms.CharField(
        label=_("How to join (families read this before their visit)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    # Spanish pages show these; left empty, they show the English text instead.
    name_es = forms.CharField(label=_("Name in Spanish (leave empty to show the English one)"),
                              max_length=120, required=False)
    join_instructions_es = forms.CharField(
        label=_("How to join, in Spanish (leave empty to show the English text)"),
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    # ISO dates both ways, whatever the language: the phone's own date picker reads and
    # writes them (a Spanish page would otherwise print 30/11/2026 and refuse it back).
    starts_on = forms.DateField(label=_("First day"), input_formats=DATE_INPUT_FORMATS,
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Last day (leave empty for no end)"), required=False,
                              input_formats=DATE_INPUT_FORMATS,
                              widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = HousingUnit.objects.filter(facility=facility)

    def clean_times(self) -> list[dt.time]:
        raw = [str(v).strip() for v in self.cleaned_data.get("times") or [] if str(v).strip()]
        times = set()
        for value in raw[:MAX_TIMES]:
            try:
                times.add(_parse_time(value))
            except ValueError:
                raise forms.ValidationError(_("Enter each time as hours and minutes, such as "
                                              "09:00 or 13:30.")) from None
        if not times:
            raise forms.ValidationError(_("Enter at least one start time."))
        problem = check_times(sorted(times))
        if problem:
            raise forms.ValidationError(problem)
        return sorted(times)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day must be on or after the first day."))
        if data.get("reason_code") == ClosureReason.OTHER and not data.get("reason"):
            self.add_error("reason", _("You chose “another reason”: say in a few words what "
                                       "it is."))
        return data

    def recurrence(self) -> Recurrence:
        return Recurrence(weekdays=tuple(sorted(set(self.cleaned_data["weekdays"]))),
                          times=tuple(self.cleaned_data["times"]))

    def values(self) -> dict[str, Any]:
        """The cleaned values as the rule services take them, with the RRULE built."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"weekdays", "times"}}
        data["rrule"] = to_rrule(self.recurrence())
        return data


def _parse_time(value: str) -> dt.time:
    for fmt in TIME_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).time()
        except ValueError:
            continue
    raise ValueError(value)


def initial_for(rule: VisitingRule) -> dict[str, Any]:
    """The form's starting values for an existing rule (or a new one's defaults)."""
    initial = {name: getattr(rule, name) for name in RuleForm.base_fields
               if name not in {"weekdays", "times", "unit"} and hasattr(rule, name)}
    initial["unit"] = rule.unit_id
    recurrence = from_rrule(rule.rrule) if rule.rrule else None
    if recurrence:
        initial["weekdays"] = list(recurrence.weekdays)
        initial["times"] = [t.strftime("%H:%M") for t in recurrence.times]
    return initial


# Where the service's field names land on the form: the RRULE is the days and times.
FIELD_ON_FORM = {"rrule": "weekdays", "facility": None}


def add_service_errors(form: RuleForm, fields: dict[str, list[str]]) -> None:
    """Show each problem the service found next to its field on the page."""
    for name, problems in fields.items():
        target = FIELD_ON_FORM.get(name, name)
        if target not in form.fields:
            target = None
        for problem in problems:
            form.add_error(target, problem)


def _iso_date(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, input_formats=DATE_INPUT_FORMATS,
                           widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                           error_messages={"invalid": _("Enter a date such as 2026-12-24.")})


class ClosureForm(forms.Form):
    """Close the facility, or some units, for days. Whether the days and reason make a
    closure is `closure_create`'s to check too; the form refuses the past up front."""

    starts_on = _iso_date(_("First day closed"))
    ends_on = _iso_date(_("Last day closed"))
    units = forms.ModelMultipleChoiceField(
        label=_("Which units"), queryset=HousingUnit.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose units of your own facility."),
                        "invalid_pk_value": _("Choose units of your own facility.")},
    )
    reason_code = forms.ChoiceField(
        label=_("Reason families will read"),
        choices=[("", _("Choose…")), *ClosureReason.choices],
        error_messages={"required": _("Choose a reason from the list."),
                        "invalid_choice": _("Choose a reason from the list.")})
    reason = forms.CharField(label=_("Your own words, as families will read them (needed "
                                     "for “another reason”)"), max_length=200, required=False)

    def __init__(self, *args: Any, facility: Facility, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["units"].queryset = HousingUnit.objects.filter(facility=facility)

    def clean_starts_on(self) -> dt.date:
        day = self.cleaned_data["starts_on"]
        if day < self.today:
            raise forms.ValidationError(_("The first day cannot be in the past."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day must be on or after the first day."))
        return data

    def unit_ids(self) -> list[int]:
        return [unit.pk for unit in self.cleaned_data.get("units") or []]


class FacilityInfoForm(forms.Form):
    """The facility's information in one language, with its phone and address (shared)."""

    phone = forms.CharField(label=_("Phone number families call"), required=False,
                            max_length=40)
    address = forms.CharField(label=_("Address"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in INFO_FIELDS:
            label = FacilityInfo._meta.get_field(key).verbose_name
            self.fields[key] = forms.CharField(
                label=label, required=False, max_length=INFO_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}))

    def texts(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key in INFO_FIELDS}
