"""A liaison writes to the families of one session or one day (e.g. "the car park is
closed, use the north entrance"): a preview of who gets it, then `facility_message_send`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scheduler.errors import Conflict, InvalidInput
from scheduler.inputs import parse_day, parse_id
from visits import services
from visits.access import facility_of_liaison
from visits.services.messages import audience_of, message_check

PAGE = "visits/facility_message.html"


def _target(request: HttpRequest) -> tuple[int | None, dt.date | None]:
    """The session or the day the page is about; InvalidInput when it names neither (or
    one that is not a session id or a day)."""
    params = request.POST if request.method == "POST" else request.GET
    session_id = parse_id(params.get("session")) if params.get("session") else None
    day = parse_day(params.get("date", "")) if params.get("date") else None
    if params.get("session") and session_id is None:
        raise InvalidInput(fields={"session": [_bad_target()]})
    if params.get("date") and day is None:
        raise InvalidInput(fields={"date": [_bad_target()]})
    if session_id is None and day is None:
        raise InvalidInput(fields={"date": [_bad_target()]})
    return session_id, day


def _bad_target() -> str:
    return _("Choose a day or a session from the roster.")


def _send_token(request: HttpRequest) -> str | None:
    """The send form's one-time token, as the preview gave it (None when missing or bad)."""
    try:
        return str(uuid.UUID(request.POST.get("send_token", "")))
    except ValueError:
        return None


@login_required
def facility_message(request: HttpRequest) -> HttpResponse:
    try:
        session_id, day = _target(request)
    except InvalidInput:
        facility_of_liaison(request.user)  # NotPermitted for anyone but a liaison
        return render(request, PAGE, {"no_target": _bad_target()}, status=400)
    audience = audience_of(actor=request.user, session_id=session_id, day=day)
    values = {k: request.POST.get(k, "") for k in ("text_en", "text_es", "urgent")}
    context: dict[str, Any] = {"audience": audience, "session_id": session_id, "day": day,
                               "values": values, "errors": {}}
    if request.method != "POST":
        return render(request, PAGE, context)
    token = _send_token(request)
    try:
        message_check(values["text_en"], values["text_es"])
        if request.POST.get("step") == "send" and token is not None:
            return _send(request, context, token)
    except InvalidInput as error:
        context["errors"] = error.fields
        return render(request, PAGE, context, status=400)
    except Conflict as error:
        messages.error(request, error.message)
        return render(request, PAGE, context, status=409)
    # A preview, or a send without the preview's token (a page from before it had one):
    # show the preview, with a new token for its Send button.
    context.update(preview=True, send_token=uuid.uuid4())
    return render(request, PAGE, context)


def _send(request: HttpRequest, context: dict[str, Any], token: str) -> HttpResponse:
    values = context["values"]
    sent = services.facility_message_send(
        actor=request.user, session_id=context["session_id"], day=context["day"],
        text_en=values["text_en"], text_es=values["text_es"], urgent=values["urgent"] == "1",
        send_token=token)
    if sent.already_sent:
        messages.info(request, _("This message was already sent."))
    else:
        messages.success(request, ngettext("Sent to %(count)d family.",
                                           "Sent to %(count)d families.", sent.told)
                         % {"count": sent.told})
    return redirect(_back(context["audience"], context["day"]))


def _back(audience: Any, day: dt.date | None) -> str:
    if day is None and audience.sessions:
        day = audience.sessions[0].starts_at.astimezone(audience.facility.tz).date()
    return reverse("roster") + (f"?date={day.isoformat()}" if day else "")
