"""Each person's own clock and language, applied on every page without asking her.

- Her device's time zone arrives in the `device_tz` cookie (scheduler/static/zone.js). For a
  person who never chose a zone, it becomes her saved zone, so the inbox, a driver's "today"
  and her quiet hours are in her local time. The session remembers the zone last seen, so
  this costs no query on an ordinary page.
- At sign-in, the language she saved is applied (on any device), and a language she picks
  from the menu while signed in is saved for her messages too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from notifications.models import Preference
from notifications.preferences import preference_follow_device_zone

DEVICE_ZONE_COOKIE = "device_tz"
SEEN_ZONE_KEY = "device_tz_seen"
Handler = Callable[[HttpRequest], HttpResponse]


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                        max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
                        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                        secure=settings.LANGUAGE_COOKIE_SECURE)


def _follow_device_zone(request: HttpRequest) -> None:
    zone = unquote(request.COOKIES.get(DEVICE_ZONE_COOKIE, ""))[:64]
    user = getattr(request, "user", None)
    if not zone or user is None or not user.is_authenticated:
        return
    if request.session.get(SEEN_ZONE_KEY) == zone:
        return
    preference_follow_device_zone(user=user, zone=zone, language=translation.get_language())
    request.session[SEEN_ZONE_KEY] = zone


class PersonalSettingsMiddleware:
    """After authentication: the device's zone saved for one who never chose; the saved
    language put in the cookie when she has just signed in."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _follow_device_zone(request)
        response = self.get_response(request)
        language = getattr(request, "saved_language", None)
        if language:
            set_language_cookie(response, language)
        return response


@receiver(user_logged_in)
def _apply_saved_language(sender: object, request: HttpRequest | None,
                          user: AbstractBaseUser, **kwargs: object) -> None:
    """Her saved language follows her to any device she signs in on."""
    if request is None:
        return
    language = Preference.objects.filter(user_id=user.pk).values_list(
        "language", flat=True).first()
    if language and language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.saved_language = language  # type: ignore[attr-defined]
