"""A facility's information: kept by its liaisons in each language, read by families."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scheduler.errors import InvalidInput, NotFound
from visits import services
from visits.access import facility_of_liaison
from visits.forms import FacilityInfoForm
from visits.info import facility_info
from visits.info_models import INFO_FIELDS, FacilityInfo
from visits.models import Facility


def _info_language(request: HttpRequest) -> str:
    """Which language's texts the liaison edits: ?lang=, else the page's own language."""
    wanted = request.GET.get("lang") or request.POST.get("language") or get_language() or ""
    codes = dict(settings.LANGUAGES)
    return wanted if wanted in codes else settings.LANGUAGE_CODE


def _initial(facility: Facility, language: str) -> dict[str, str]:
    info = FacilityInfo.objects.filter(facility=facility, language=language).first()
    initial = {"phone": facility.phone, "address": facility.address}
    for key in INFO_FIELDS:
        initial[key] = getattr(info, key, "") if info else ""
    return initial


@login_required
def facility_info_edit(request: HttpRequest) -> HttpResponse:
    facility = facility_of_liaison(request.user)
    language = _info_language(request)
    if request.method != "POST":
        form = FacilityInfoForm(initial=_initial(facility, language))
        return _render(request, form, facility, language)
    form = FacilityInfoForm(request.POST)
    if not form.is_valid():
        return _render(request, form, facility, language, status=400)
    try:
        services.facility_info_save(
            actor=request.user, language=language, phone=form.cleaned_data["phone"],
            address=form.cleaned_data["address"], texts=form.texts())
    except InvalidInput as error:
        for name, problems in error.fields.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
        return _render(request, form, facility, language, status=400)
    messages.success(request, _("Saved. Families see it on the booking steps, in their "
                                "confirmations and reminders."))
    return redirect(reverse("facility-info-edit") + f"?lang={language}")


def _render(request: HttpRequest, form: FacilityInfoForm, facility: Facility, language: str,
            status: int = 200) -> HttpResponse:
    return render(request, "visits/facility_info_form.html", {
        "form": form, "facility": facility, "language": language,
        "info_languages": settings.LANGUAGES, "info_fields": [form[key] for key in INFO_FIELDS],
    }, status=status)


@login_required
def facility_page(request: HttpRequest, facility_id: int) -> HttpResponse:
    """What a family needs before the trip, in her language. Not private: any signed-in
    person may read any facility's page (as the facilities API lists them)."""
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None:
        raise NotFound(_("We could not find that facility."))
    return render(request, "visits/facility.html", {
        "facility": facility, "items": facility_info(facility, get_language() or "en"),
    })
