"""Server-rendered pages for caregivers and liaisons. Views only translate HTTP to services."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notifications.delivery import rendered
from notifications.preferences import preference_of
from notifications.selectors import inbox_for_user, live_start
from scheduler.errors import DomainError, InvalidInput, NotFound
from scheduler.http import error_summary, run_action, show_error
from scheduler.inputs import parse_day, parse_ids
from visits import round_selectors, selectors, services
from visits.access import facility_of_liaison, household_of, is_caregiver, is_liaison
from visits.facts import session_facts
from visits.ics_views import feed_urls
from visits.models import (
    ApprovalStatus,
    CalendarTokenKind,
    Facility,
    Session,
    VisitKind,
    Visitor,
)
from visits.reasons import ClosureReason, DeclineReason
from visits.rules import booking_window


def _mark_days(sessions: list[Session]) -> list[Session]:
    """Give each session a `day_word` ("Today", "Tomorrow" or "") in its facility's zone."""
    for session in sessions:
        tz = session.facility.tz
        today = timezone.now().astimezone(tz).date()
        day = session.starts_at.astimezone(tz).date()
        session.day_word = {0: _("Today"), 1: _("Tomorrow")}.get((day - today).days, "")
    return sessions


def say_when(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """A moment as people say it, in the active language: "Saturday, November 28, 9 a.m."."""
    local = moment.astimezone(tz)
    return ", ".join([capfirst(date_format(local, "l")), date_format(local, "MONTH_DAY_FORMAT"),
                      time_format(local, "TIME_FORMAT")])


def _inbox_items(deliveries: list) -> list[dict[str, str]]:
    """The caregiver's messages, worded in the reader's language and the facility's time.

    An event is stored in the language of whoever caused it (often a liaison's), so the
    booking events a family gets are worded again here from their data, and a body kept
    as a message id (a staff reason) is rendered now; any other event shows as stored.
    """
    titles = {
        "visits.booking.confirmed": _("Your visit is confirmed"),
        "visits.booking.declined": _("Your visit was declined"),
        "visits.booking.offered": _("A place opened up for you"),
        "visits.booking.offer_expired": _("The offered place has expired"),
    }
    # The offer's deadline is on its booking card, in the reader's language.
    keep_body = {"visits.booking.declined", "visits.session.closed"}
    facility_ids = {d.event.data.get("facility_id") for d in deliveries if d.event.data}
    facilities = Facility.objects.in_bulk([pk for pk in facility_ids if pk])
    items = []
    for delivery in deliveries:
        event, data = delivery.event, delivery.event.data or {}
        title, body = rendered(event)  # in the reader's language, not the writer's
        item = {"title": title, "when": "", "body": body}
        facility = facilities.get(data.get("facility_id"))
        if facility and data.get("starts_at") and (
            event.type in titles or event.type == "visits.session.closed"
        ):
            when = say_when(dt.datetime.fromisoformat(data["starts_at"]), facility.tz)
            if event.type == "visits.session.closed":
                item["title"] = _("Your visit on %(when)s is cancelled") % {"when": when}
            else:
                item["title"], item["when"] = titles[event.type], when
            if event.type not in keep_body:
                item["body"] = ""
        items.append(item)
    return items


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if is_caregiver(request.user):
        return redirect("visit-residents")
    if is_liaison(request.user):
        return redirect("roster")
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "visits/no_role.html")


@login_required
def visit_residents(request: HttpRequest) -> HttpResponse:
    """Tap 1: whom to visit; skipped when there is only one person she may visit."""
    residents = list(selectors.residents_for_household(user=request.user))
    if len(residents) == 1:
        return redirect("visit-sessions", resident_id=residents[0].pk)
    return render(request, "visits/residents.html", {"residents": residents})


def _resident_or_404(request: HttpRequest, resident_id: int):
    resident = selectors.residents_for_household(user=request.user).filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("We could not find that person."))
    return resident


@login_required
def visit_sessions(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Tap 2: when, among the next open sessions."""
    resident = _resident_or_404(request, resident_id)
    kind = request.GET.get("kind") if request.GET.get("kind") in {"in_person", "video"} else None
    rounds = round_selectors.rounds_open_for_resident(user=request.user, resident_id=resident.pk,
                                                      accepting_only=False)
    round_session_ids = round_selectors.round_session_ids(rounds)
    sessions = _in_person_first(_mark_days(_actionable_now(
        selectors.sessions_available(user=request.user, resident_id=resident.pk, kind=kind),
        round_session_ids,
    )))
    return render(request, "visits/sessions.html", {
        "resident": resident, "sessions": sessions, "kind": kind,
        "single_resident": _single_resident(request),
        "live_after": live_start(request.user),
        # Sessions given out by a request round link to the request form, not to booking.
        "open_rounds": [r for r in rounds if r.opens_at <= timezone.now()],
        "round_session_ids": round_session_ids,
    })


def _single_resident(request: HttpRequest) -> bool:
    """Whether step 1 (whom) was skipped: the steps are then counted out of two."""
    return selectors.residents_for_household(user=request.user).count() == 1


def _in_person_first(sessions: list[Session]) -> list[Session]:
    """Visits in person before video calls (each still by time): a dozen short calls a day
    would otherwise push the first in-person visit far down a phone's screen."""
    return sorted(sessions, key=lambda s: s.kind != VisitKind.IN_PERSON)


# A page of times for a cheap phone: enough for several weeks of a busy facility.
MAX_SESSIONS_SHOWN = 60


def _actionable_now(sessions: Iterable[Session], round_session_ids: set[int]) -> list[Session]:
    """The sessions a family can act on today: those whose booking window is open, and those
    a request round gives out. A fixed number of the soonest rows would hide whole days
    (a dozen video calls before the first Saturday), depending on the day of the week, and
    would offer times whose booking has not opened yet."""
    moment = timezone.now()
    shown = []
    for session in sessions:
        opens, closes = booking_window(session_facts(session))
        if session.pk in round_session_ids or opens <= moment < closes:
            shown.append(session)
            if len(shown) == MAX_SESSIONS_SHOWN:
                break
    return shown


def _approved_visitors(request: HttpRequest, resident_id: int) -> list[Visitor]:
    household = household_of(request.user)
    return list(
        Visitor.objects.filter(
            household=household,
            approvals__resident_id=resident_id,
            approvals__status=ApprovalStatus.APPROVED,
        ).order_by("date_of_birth")
    )


# Where each field's problem links to on the "who is coming" form (the error summary).
# Anything not about a field there (a rule about the resident or the session) links to
# the visit's card at the top: drawn on her family's checkboxes, "this person already has
# 3 visits" read as if it were about her or a grandchild.
FIELD_ANCHORS = {"visitor_ids": "visitors", "interpreter_language": "interpreter_language",
                 "support_note": "support_note", "note": "support_note"}
VISIT_ANCHOR = "visit"


@dataclasses.dataclass(frozen=True)
class Answers:
    """What the family chose on the "who is coming" step, carried to the check step.

    They travel by POST and wait in her (server-side) session between the two steps, never
    in a URL: a support note is health information, and an address ends up in the browser's
    history and the server's access log."""

    visitor_ids: list[int]
    support: services.SupportNeeds
    waitlist: bool
    idempotency_key: str = ""

    @classmethod
    def read(cls, data: QueryDict) -> Answers:
        return cls(visitor_ids=parse_ids(data.getlist("visitor_ids")),
                   support=services.SupportNeeds(
                       wheelchair=data.get("needs_wheelchair") == "1",
                       interpreter_language=data.get("interpreter_language", "")[:200],
                       note=data.get("support_note", "")[:1000]),
                   waitlist=data.get("waitlist") == "1",
                   idempotency_key=(data.get("idempotency_key") or "")[:80])

    @staticmethod
    def _key(resident_id: int, session_id: int) -> str:
        return f"visit-answers:{resident_id}:{session_id}"

    def keep(self, request: HttpRequest, resident_id: int, session_id: int) -> None:
        request.session[self._key(resident_id, session_id)] = {
            "visitor_ids": self.visitor_ids, "wheelchair": self.support.wheelchair,
            "interpreter_language": self.support.interpreter_language,
            "note": self.support.note, "waitlist": self.waitlist,
            "idempotency_key": self.idempotency_key,
        }

    @classmethod
    def kept(cls, request: HttpRequest, resident_id: int, session_id: int) -> Answers | None:
        kept = request.session.get(cls._key(resident_id, session_id))
        if not isinstance(kept, dict):
            return None
        return cls(visitor_ids=[int(pk) for pk in kept.get("visitor_ids", [])],
                   support=services.SupportNeeds(
                       wheelchair=bool(kept.get("wheelchair")),
                       interpreter_language=str(kept.get("interpreter_language", "")),
                       note=str(kept.get("note", ""))),
                   waitlist=bool(kept.get("waitlist")),
                   idempotency_key=str(kept.get("idempotency_key", "")))

    @classmethod
    def forget(cls, request: HttpRequest, resident_id: int, session_id: int) -> None:
        """Once booked (or found booked), her note has no reason to stay in the session."""
        request.session.pop(cls._key(resident_id, session_id), None)


def error_list(error: DomainError) -> list[dict[str, str]]:
    return error_summary(error, FIELD_ANCHORS, VISIT_ANCHOR)


def _resident_words(error: DomainError, resident, session: Session) -> dict[str, str]:
    """The rules' texts about the resident (quotas, a visit at the same time), worded again
    with the resident's name: on a family's page "this person" reads as one of them. Keyed
    by the rule's text, as the summary shows it. Nothing here says who else visits."""
    facts, name = session_facts(session), resident.first_name
    words = {
        "weekly_quota": lambda: ngettext(
            "%(name)s already has %(n)d visit booked that week, the most allowed.",
            "%(name)s already has %(n)d visits booked that week, the most allowed.",
            facts.weekly_quota) % {"name": name, "n": facts.weekly_quota},
        "monthly_quota": lambda: ngettext(
            "%(name)s already has %(n)d visit booked that month, the most allowed.",
            "%(name)s already has %(n)d visits booked that month, the most allowed.",
            facts.monthly_quota) % {"name": name, "n": facts.monthly_quota},
        "resident_busy": lambda: _("%(name)s already has a visit booked at that time.")
        % {"name": name},
    }
    return {v["message"]: words[v["code"]]() for v in error.extra.get("violations", [])
            if v.get("code") in words}


def _page_errors(error: DomainError, resident, session: Session) -> list[dict[str, str]]:
    """The error summary of the "who is coming" page: problems about the visit itself
    first (linking to its card), then those she can fix on the form."""
    named = _resident_words(error, resident, session)
    problems = [{**problem, "message": named.get(problem["message"], problem["message"])}
                for problem in error_list(error)]
    return sorted(problems, key=lambda problem: problem["anchor"] != VISIT_ANCHOR)


def _session_or_404(request: HttpRequest, resident_id: int, session_id: int) -> Session:
    session = selectors.sessions_available(
        user=request.user, resident_id=resident_id, only_open=False
    ).filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("We could not find that session."))
    return session


@login_required
def visit_confirm(request: HttpRequest, resident_id: int, session_id: int) -> HttpResponse:
    """Who comes (and what help they need); then "check your answers"; then book.

    "Continue" is a POST (her answers hold health notes, which never go into a URL); its
    answers wait in her session and she is sent on to `?check=1`, a GET: a reload asks
    nothing again and books nothing, and Back from the confirmation lands on it again
    (then showing the visit she already has)."""
    resident = _resident_or_404(request, resident_id)
    session = _session_or_404(request, resident.pk, session_id)
    existing = selectors.booking_live_for(user=request.user, session_id=session.pk,
                                          resident_id=resident.pk)
    if existing is not None:
        Answers.forget(request, resident.pk, session.pk)
        if request.method == "POST":
            # Back, then Book again (or a second tap): no second try and no wall of rule
            # errors, but the visit she already has.
            messages.info(request, _("You already booked this visit."))
            return redirect(reverse("my-bookings") + f"#booking-{existing.pk}")
    _mark_days([session])
    if request.method == "POST":
        return _answers_posted(request, resident, session)
    return _answers_shown(request, resident, session, existing)


def _answers_posted(request: HttpRequest, resident, session: Session) -> HttpResponse:
    """"Continue" (checked, kept, then on to the check step) or "Book" from the check step;
    a refusal shows the form again with her answers and each problem next to its field."""
    answers = Answers.read(request.POST)
    context = _who_context(request, resident, session, None, answers)
    try:
        if request.POST.get("book") == "1":
            return _book(request, resident, session, answers)
        checked = services.booking_check(
            actor=request.user, session_id=session.pk, resident_id=resident.pk,
            visitor_ids=answers.visitor_ids, support=answers.support)
    except services.SessionFull as full:
        # The place went while she read her answers: its waiting list, on the same form.
        context.update(offer_waitlist=True, session_full=True,
                       errors=_page_errors(full, resident, session))
    except DomainError as error:
        context["errors"] = _page_errors(error, resident, session)
    else:
        dataclasses.replace(answers, support=checked).keep(request, resident.pk, session.pk)
        response = redirect(reverse("visit-confirm", args=[resident.pk, session.pk]) + "?check=1")
        response.status_code = 303  # See Other: the next page is a GET
        return response
    return _who_page(request, context)


def _answers_shown(request: HttpRequest, resident, session: Session, existing) -> HttpResponse:
    """A GET: the check step (`?check=1`) with the answers kept for this visit, checked
    again (a reload may come a day later), or the "who is coming" form, filled in with them
    when she came back to change them (`?change=1`)."""
    kept = Answers.kept(request, resident.pk, session.pk) if existing is None else None
    step = request.GET.get("check") == "1"
    context = _who_context(request, resident, session, existing, kept)
    if step and existing is None and kept is None:
        # Lost between the steps (a new sign-in, another device): said, not guessed.
        context["answers_lost"] = True
    elif step and kept is not None:
        try:
            checked = services.booking_check(
                actor=request.user, session_id=session.pk, resident_id=resident.pk,
                visitor_ids=kept.visitor_ids, support=kept.support)
        except DomainError as error:
            context["errors"] = _page_errors(error, resident, session)
        else:
            return _check_answers(request, context, dataclasses.replace(kept, support=checked))
    return _who_page(request, context)


def _who_context(request: HttpRequest, resident, session: Session, existing,
                 answers: Answers | None) -> dict:
    """`answers`: what she answered (posted, or kept for the check step); None: a first
    look, everyone ticked. Visitors' ids in an older link's address are no secret and
    still tick their boxes."""
    visitors = _approved_visitors(request, resident.pk)
    if answers is None and request.GET.getlist("visitor_ids"):
        answers = Answers(visitor_ids=parse_ids(request.GET.getlist("visitor_ids")),
                          support=services.SupportNeeds(), waitlist=False)
    return {
        "resident": resident, "session": session, "visitors": visitors,
        "chosen": set(answers.visitor_ids) if answers else {v.pk for v in visitors},
        "support": answers.support if answers else services.SupportNeeds(),
        "existing": existing,
        "single_resident": _single_resident(request),
        "idempotency_key": (answers and answers.idempotency_key) or uuid.uuid4().hex,
        # A full session offers its waiting list straight away, before she taps "Book"
        # (unless the rules refuse this visit anyway: `_refused_before_waitlist`).
        "offer_waitlist": session.status == "open" and session.held >= session.capacity,
        "in_round": session.pk in round_selectors.round_session_ids(
            round_selectors.rounds_open_for_resident(user=request.user, resident_id=resident.pk,
                                                     accepting_only=False)),
        "errors": [],
    }


def _who_page(request: HttpRequest, context: dict) -> HttpResponse:
    if (context["offer_waitlist"] and not context["errors"] and not context["existing"]
            and not context["in_round"] and context["visitors"]):
        context["errors"] = _refused_before_waitlist(request, context)
    errors = context["errors"]
    context.update(
        visitors_wrong=any(error["anchor"] == "visitors" for error in errors),
        # Nothing she can change on this form would help: no "Continue", another time.
        refused=bool(errors) and not context.get("session_full")
        and all(error["anchor"] == VISIT_ANCHOR for error in errors),
    )
    if context["refused"]:
        context["offer_waitlist"] = False
    return render(request, "visits/confirm.html", context)


def _refused_before_waitlist(request: HttpRequest, context: dict) -> list[dict[str, str]]:
    """What the rules already refuse about this visit itself (the resident's quota or a
    visit at that time, a closed window), asked before a full session offers its waiting
    list: joining it would only lead to a refusal on the next step. Problems with who is
    coming are left for her "Continue", as on any other session."""
    resident, session = context["resident"], context["session"]
    try:
        services.booking_check(
            actor=request.user, session_id=session.pk, resident_id=resident.pk,
            visitor_ids=sorted(context["chosen"]), support=context["support"])
    except services.RoundInProgress:
        return []
    except DomainError as error:
        return [problem for problem in _page_errors(error, resident, session)
                if problem["anchor"] == VISIT_ANCHOR]
    return []


def _check_answers(request: HttpRequest, context: dict, answers: Answers) -> HttpResponse:
    """The check step: everything she chose, each with a "Change" link, and one button."""
    chosen = set(answers.visitor_ids)
    context.update(
        coming=[v for v in context["visitors"] if v.pk in chosen], support=answers.support,
        answers=answers, waitlist=answers.waitlist or context["offer_waitlist"],
    )
    return render(request, "visits/check.html", context)


def _book(request: HttpRequest, resident, session: Session, answers: Answers) -> HttpResponse:
    """Book from the check step; DomainError (the rules said no meanwhile) goes back to the
    "who is coming" form with its error summary."""
    result = services.booking_create(
        actor=request.user, session_id=session.pk, resident_id=resident.pk,
        visitor_ids=answers.visitor_ids, idempotency_key=answers.idempotency_key or None,
        waitlist_if_full=answers.waitlist, support=answers.support,
    )
    Answers.forget(request, resident.pk, session.pk)
    return redirect("booking-done", booking_id=result.booking.pk)


@login_required
def booking_done(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The confirmation: the booking's reference, what happens next, whom to call."""
    booking = selectors.bookings_for_household(user=request.user).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound(_("We could not find that visit."))
    _mark_days([booking.session])
    return render(request, "visits/booked.html", {
        "booking": booking, "session": booking.session, "facility": booking.session.facility,
    })


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    bookings = list(selectors.bookings_for_household(user=request.user, upcoming_only=True))
    _mark_days([booking.session for booking in bookings])
    deliveries = list(inbox_for_user(user=request.user, limit=5))
    inbox = _inbox_items(deliveries)
    feed = feed_urls(request, kind=CalendarTokenKind.CAREGIVER)
    return render(request, "visits/bookings.html", {
        "bookings": bookings, "inbox": inbox, "feed": feed,
        "live_after": live_start(request.user),
    })


@require_POST
@login_required
def booking_action(request: HttpRequest, booking_id: int, action: str) -> HttpResponse:
    """The family's buttons on "My visits"."""
    user = request.user
    reason = request.POST.get("reason", "")
    actions = {
        "cancel": (lambda: services.booking_cancel(actor=user, booking_id=booking_id,
                                                   reason=reason),
                   _("Your visit is cancelled.")),
        "accept-offer": (lambda: services.offer_accept(actor=user, booking_id=booking_id),
                         _("The place is yours. The facility will confirm your visit.")),
        "pass-offer": (lambda: services.offer_pass(actor=user, booking_id=booking_id),
                       _("The place goes to the next family.")),
    }
    if action not in actions:
        raise NotFound()
    func, done = actions[action]
    return run_action(request, func, done, reverse("my-bookings"))


def _roster_day(request: HttpRequest, tz) -> dt.date:
    raw = request.GET.get("date") or request.POST.get("date") or ""
    return parse_day(raw) or timezone.now().astimezone(tz).date()


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    return _roster_page(request)


def _roster_page(request: HttpRequest, *, failed: dict | None = None,
                 status: int = 200) -> HttpResponse:
    """The liaison's day; `failed`: a decline or close form refused, shown open again with
    each problem next to its field and what she had chosen."""
    facility = facility_of_liaison(request.user)
    day = _roster_day(request, facility.tz)
    sessions = selectors.roster_for_day(user=request.user, day=day)
    return render(request, "visits/roster.html", {
        "facility": facility, "day": day, "sessions": sessions,
        # live.js listens from here: the liaison's new-booking and check-in events, and the
        # facility's places topic, re-render the sessions part without a reload.
        "live_after": live_start(request.user),
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "today": timezone.now().astimezone(facility.tz).date(),
        "feed": feed_urls(request, kind=CalendarTokenKind.FACILITY),
        # Times are the facility's; named when her own saved zone is another one.
        "name_zone": _own_zone_differs(request.user, facility),
        "decline_reasons": DeclineReason.choices, "close_reasons": ClosureReason.choices,
        "failed": failed,
    }, status=status)


def _own_zone_differs(user: object, facility: Facility) -> bool:
    """Her saved zone (chosen, or her device's) is not the facility's. Nothing saved yet
    (the default, UTC) is no zone of hers."""
    own = preference_of(user)
    return own.pk is not None and own.time_zone != facility.time_zone


def _with_reason(request: HttpRequest, kind: str, key: int, action: Callable[[], object],
                 done: str) -> HttpResponse:
    """Decline or close: a reason refused comes back next to its field, the form open."""
    try:
        action()
    except InvalidInput as error:
        errors = error.fields or {"reason": [error.message]}
        # At the top too, focused, each linking to its box: on a phone the form is far down.
        summary = [{"anchor": f"{kind}-{key}-{'note' if name == 'reason' else 'code'}",
                    "message": text} for name, found in errors.items() for text in found]
        return _roster_page(request, status=400, failed={
            "kind": kind, "id": int(key), "posted": request.POST, "errors": errors,
            "summary": summary})
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, done)
    return redirect(_roster_url(request))


@require_POST
@login_required
def roster_action(request: HttpRequest, booking_id: int, action: str) -> HttpResponse:
    """The liaison's buttons on the roster."""
    user = request.user
    reason, reason_code = request.POST.get("reason", ""), request.POST.get("reason_code", "")
    actions = {
        "confirm": (lambda: services.booking_confirm(actor=user, booking_id=booking_id),
                    _("Booking confirmed.")),
        "decline": (lambda: services.booking_decline(actor=user, booking_id=booking_id,
                                                     reason_code=reason_code, reason=reason),
                    _("Booking declined.")),
        "check-in": (lambda: services.booking_check_in(actor=user, booking_id=booking_id),
                     _("Family checked in.")),
        "no-show": (lambda: services.booking_mark_no_show(actor=user, booking_id=booking_id),
                    _("Marked as no-show.")),
        "undo": (lambda: services.booking_undo_arrival(actor=user, booking_id=booking_id),
                 _("Undone: the booking is back as it was.")),
    }
    if action not in actions:
        raise NotFound()
    func, done = actions[action]
    if action == "decline":
        return _with_reason(request, "decline", booking_id, func, done)
    return run_action(request, func, done, _roster_url(request))


def _roster_url(request: HttpRequest) -> str:
    day = request.POST.get("date", "")
    anchor = f"#booking-{request.resolver_match.kwargs['booking_id']}" if (
        request.resolver_match and "booking_id" in request.resolver_match.kwargs) else ""
    return reverse("roster") + (f"?date={day}" if day else "") + anchor


@require_POST
@login_required
def session_close_view(request: HttpRequest, session_id: int) -> HttpResponse:
    reason, reason_code = request.POST.get("reason", ""), request.POST.get("reason_code", "")

    def close() -> None:
        count = services.session_close(actor=request.user, session_id=session_id,
                                       reason_code=reason_code, reason=reason)
        messages.info(request, ngettext("%(count)d family was told.",
                                        "%(count)d families were told.", count)
                      % {"count": count})

    return _with_reason(request, "close", session_id, close, _("Session closed."))
