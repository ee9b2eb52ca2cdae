"""The inbox and preferences pages, for every signed-in person. HTTP in, a service, HTML out."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.delivery import rendered
from notifications.forms import PreferenceForm
from notifications.links import link_of
from notifications.models import Delivery
from notifications.preferences import (
    FIELDS,
    preference_language_set,
    preference_of,
    preference_problems,
    preferences_save,
)
from scheduler.errors import DomainError, InvalidInput
from scheduler.inputs import parse_id

PAGE_SIZE = 20


@dataclass
class InboxItem:
    id: int
    event_id: int
    title: str
    body: str
    created_at: dt.datetime
    read: bool
    urgent: bool
    link: str | None = None  # the page to act on it, if its app gives one


def _item(delivery: Delivery, reader: Any) -> InboxItem:
    title, body = rendered(delivery.event)  # in the reader's (active) language
    return InboxItem(id=delivery.pk, event_id=delivery.event_id, title=title, body=body,
                     created_at=delivery.event.created_at, read=delivery.read_at is not None,
                     urgent=delivery.event.urgent,
                     link=link_of(delivery.event.type, delivery.event.data, reader))


def _positive_int(raw: str | None) -> int | None:
    return parse_id(raw)


def _reader_zone(pref_zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(pref_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Newest first, 20 at a time; `?unread=1` shows only unread, `?before=<event id>` older."""
    unread_only = request.GET.get("unread") == "1"
    before = _positive_int(request.GET.get("before"))
    found = selectors.inbox_page(user=request.user, limit=PAGE_SIZE + 1, before=before,
                                 unread=unread_only)
    items = [_item(d, request.user) for d in found[:PAGE_SIZE]]
    return render(request, "notifications/inbox.html", {
        "items": items,
        "unread_only": unread_only,
        "before": before,
        "older": items[-1].event_id if len(found) > PAGE_SIZE else None,
        "unread_count": selectors.unread_count(user=request.user),
        "zone": _reader_zone(preference_of(request.user).time_zone),
        "live_after": selectors.live_cursor_text(user_id=request.user.pk),
        "here": request.get_full_path(),
    })


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    """Back where the reader was (the unread filter, an older page), never off the site."""
    target = request.POST.get("next", "")
    inbox_url = reverse("inbox")
    if target.startswith(inbox_url) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(inbox_url)


@require_POST
@login_required
def inbox_mark_read(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        services.delivery_mark_read(user=request.user, delivery_id=delivery_id)
    except DomainError as error:
        messages.error(request, error.message)
    return _back_to_inbox(request)


@require_POST
@login_required
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.inbox_mark_all_read(user=request.user)
    if count:
        messages.success(request, ngettext("%(count)d message marked as read.",
                                           "%(count)d messages marked as read.", count)
                         % {"count": count})
    else:
        messages.info(request, _("There were no unread messages."))
    return _back_to_inbox(request)


def _initial(request: HttpRequest) -> dict[str, object]:
    pref = preference_of(request.user)
    values: dict[str, object] = {name: getattr(pref, name) for name in FIELDS}
    return values


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    initial = _initial(request)
    zone = str(initial["time_zone"])
    if request.method != "POST":
        form = PreferenceForm(initial=initial, current_zone=zone)
        return _preferences_page(request, form)
    form = PreferenceForm(request.POST, current_zone=zone)
    if not form.is_valid():
        # Name the other problems too (e.g. a bad phone number beside a bad time).
        valid = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
        _add_problems(form, preference_problems(user=request.user, **valid))
        return _preferences_page(request, form, failed=True)
    try:
        pref = preferences_save(user=request.user, **form.changes())
    except InvalidInput as error:
        _add_problems(form, error.fields)
        return _preferences_page(request, form, failed=True)
    # The pages follow the language chosen for messages from now on.
    translation.activate(pref.language)
    messages.success(request, _("Your settings are saved."))
    response = redirect("notification-preferences")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, pref.language,
                        max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                        secure=settings.LANGUAGE_COOKIE_SECURE)
    return response


def _add_problems(form: PreferenceForm, problems: dict[str, list[str]]) -> None:
    for name, messages_ in problems.items():
        field = name if name in form.fields else None
        if field in form.errors:
            continue  # the form's own message about this field comes first
        for problem in messages_:
            form.add_error(field, problem)


def _preferences_page(request: HttpRequest, form: PreferenceForm, *,
                      failed: bool = False) -> HttpResponse:
    if failed:
        messages.error(request, _("Your settings are not saved yet. Please fix what is marked "
                                  "below."))
    return render(request, "notifications/preferences.html", {
        "form": form, "guess_zone": not preference_of(request.user).time_zone_chosen,
    })


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The menu's language choice (Django's `set_language`), also saved as a signed-in
    person's own language, so her messages and her next sign-in on another phone follow."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        preference_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
