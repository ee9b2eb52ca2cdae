"""Pages of request rounds: a caregiver's request form and requests, a liaison's rounds.
Views only translate HTTP to services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scheduler.errors import DomainError, NotFound
from scheduler.http import error_summary, show_error
from scheduler.inputs import parse_ids
from visits import round_selectors as selectors
from visits import services
from visits.access import household_of
from visits.models import ApprovalStatus, Resident, Session, Visitor
from visits.round_models import MAX_CHOICES, RequestRound, RequestStatus, VisitRequest
from visits.round_text import outcome_lines, priorities_text, rank_text
from visits.selectors import residents_for_household

# Most requests a liaison's round page lists (the API has them all).
# Requests per page of a round (a busy round has thousands; each page stays light on a phone).
ROUND_PAGE_SIZE = 200


def _resident_or_404(request: HttpRequest, resident_id: int) -> Resident:
    resident = residents_for_household(user=request.user).filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("We could not find that person."))
    return resident


def _approved_visitors(request: HttpRequest, resident_id: int) -> list[Visitor]:
    return list(Visitor.objects.filter(
        household=household_of(request.user), approvals__resident_id=resident_id,
        approvals__status=ApprovalStatus.APPROVED,
    ).order_by("date_of_birth"))


def _picked(request: HttpRequest) -> list[int]:
    """The ranked choices from the form's three menus, best first, blanks skipped."""
    raw = [request.POST.get(f"choice_{rank}", "") for rank in range(1, MAX_CHOICES + 1)]
    return parse_ids(raw)


def _pick_round(request: HttpRequest, resident: Resident) -> RequestRound | None:
    rounds = selectors.rounds_open_for_resident(user=request.user, resident_id=resident.pk)
    wanted = request.GET.get("round") or request.POST.get("round") or ""
    chosen = [r for r in rounds if str(r.pk) == wanted]
    return (chosen or rounds or [None])[0]


def _existing(request: HttpRequest, rnd: RequestRound, resident: Resident) -> VisitRequest | None:
    return VisitRequest.objects.filter(
        round=rnd, household=household_of(request.user), resident=resident,
        status=RequestStatus.PENDING,
    ).prefetch_related("visitors").first()


@login_required
def request_form(request: HttpRequest, resident_id: int) -> HttpResponse:
    """Ask for a visit in a request round: up to three times, best first, and who comes."""
    resident = _resident_or_404(request, resident_id)
    rnd = _pick_round(request, resident)
    if rnd is None:
        upcoming = selectors.rounds_open_for_resident(
            user=request.user, resident_id=resident.pk, accepting_only=False)
        return render(request, "visits/request_form.html", {
            "resident": resident, "next_round": upcoming[0] if upcoming else None})
    existing = _existing(request, rnd, resident)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            return _send(request, rnd, resident, existing)
        except DomainError as error:
            errors = error_summary(error, REQUEST_ANCHORS, "choice_1")
    context = _form_context(request, rnd, resident, existing)
    return render(request, "visits/request_form.html", {**context, "errors": errors})


# The boxes the error summary links to, by the service's field names.
REQUEST_ANCHORS = {"visitor_ids": "visitors", "choices": "choice_1", "session_ids": "choice_1"}


def _send(
    request: HttpRequest, rnd: RequestRound, resident: Resident, existing: VisitRequest | None
) -> HttpResponse:
    """Send (or change) the request; DomainError goes back to the form's error summary."""
    visitor_ids = parse_ids(request.POST.getlist("visitor_ids"))
    if existing:
        services.request_change(actor=request.user, request_id=existing.pk,
                                visitor_ids=visitor_ids, choices=_picked(request))
    else:
        services.request_submit(actor=request.user, round_id=rnd.pk,
                                resident_id=resident.pk, visitor_ids=visitor_ids,
                                choices=_picked(request))
    messages.success(request, _("Your request is in. We will tell you the result as soon as "
                                "the draw is done."))
    return redirect("my-requests")


def _form_context(
    request: HttpRequest, rnd: RequestRound, resident: Resident, existing: VisitRequest | None
) -> dict:
    visitors = _approved_visitors(request, resident.pk)
    if request.method == "POST":
        picks = _picked(request) + [None] * MAX_CHOICES
        chosen = set(parse_ids(request.POST.getlist("visitor_ids")))
    elif existing:
        picks = existing.choice_ids + [None] * MAX_CHOICES
        chosen = {v.pk for v in existing.visitors.all()}
    else:
        picks, chosen = [None] * MAX_CHOICES, {v.pk for v in visitors}
    sessions = selectors.round_sessions_for_resident(rnd, resident)
    odds = selectors.chances(rnd)
    menus = [{"rank": rank, "label": _menu_label(rank), "picked": picks[rank - 1],
              "required": rank == 1} for rank in range(1, MAX_CHOICES + 1)]
    return {
        "resident": resident, "round": rnd, "existing": existing, "visitors": visitors,
        "chosen": chosen, "menus": menus,
        "sessions": [(s, odds.get(s.pk)) for s in sessions],
        "other_rounds": [r for r in selectors.rounds_open_for_resident(
            user=request.user, resident_id=resident.pk) if r.pk != rnd.pk],
    }


def _menu_label(rank: int) -> str:
    if rank == 1:
        return _("Your 1st choice")
    return _("%(rank)s choice (if you like)") % {"rank": rank_text(rank)}


@login_required
def my_requests(request: HttpRequest) -> HttpResponse:
    """The caregiver's requests: chances before the draw, the outcome and why after it."""
    own = list(selectors.requests_for_household(user=request.user)[:50])
    odds: dict[int, dict] = {}
    for item in own:
        if item.status == RequestStatus.PENDING and item.round_id not in odds:
            odds[item.round_id] = selectors.chances(item.round)
        item.ranked = _ranked(item, odds.get(item.round_id, {}))
        item.why = outcome_lines(item)
    return render(request, "visits/my_requests.html", {"requests": own})


def _ranked(item: VisitRequest, odds: dict) -> list[dict]:
    picks = (item.first_choice, item.second_choice, item.third_choice)
    return [{"rank": rank_text(rank), "session": session, "chance": odds.get(session.pk)}
            for rank, session in enumerate((p for p in picks if p is not None), 1)]


@require_POST
@login_required
def request_withdraw_view(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.request_withdraw(actor=request.user, request_id=request_id)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("my-requests")


# --- liaison ------------------------------------------------------------------------------


@login_required
def rounds_list(request: HttpRequest) -> HttpResponse:
    rounds = selectors.with_phases(list(selectors.rounds_for_facility(user=request.user)[:60]))
    counts = _request_counts(rounds)
    for rnd in rounds:
        rnd.request_count = counts.get(rnd.pk, 0)
        rnd.places = sum(s.capacity for s in rnd.sessions.all())
    return render(request, "visits/rounds.html", {"rounds": rounds})


def _request_counts(rounds: list[RequestRound]) -> dict[int, int]:
    rows = (VisitRequest.objects.filter(round__in=rounds)
            .exclude(status=RequestStatus.WITHDRAWN)
            .values("round_id").annotate(n=Count("id")))
    return {row["round_id"]: row["n"] for row in rows}


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's requests, result, seed, and why each household got what it got."""
    rnd = selectors.round_for_liaison(user=request.user, round_id=round_id, with_requests=False)
    selectors.with_phases([rnd])
    odds = selectors.chances(rnd)
    sessions: dict[int, Session] = {pk: c.session for pk, c in odds.items()}
    # get_page: a page past the end or not a number shows the nearest page, never an error.
    page = Paginator(selectors.round_requests(rnd), ROUND_PAGE_SIZE).get_page(
        request.GET.get("page"))
    shown = list(page.object_list)
    for item in shown:
        item.ranked = [{"rank": rank_text(rank), "session": sessions.get(pk),
                        "granted": pk == item.granted_session_id}
                       for rank, pk in enumerate(item.choice_ids, 1)]
        item.why = outcome_lines(item)
        item.tilts = priorities_text(item.explanation or {})
    return render(request, "visits/round_detail.html", {
        "round": rnd, "requests": shown, "total": page.paginator.count, "page": page,
        "chances": list(odds.values()),
    })


@require_POST
@login_required
def round_verify_view(request: HttpRequest, round_id: int) -> HttpResponse:
    try:
        result = services.round_verify(actor=request.user, round_id=round_id)
    except DomainError as error:
        show_error(request, error)
    else:
        if result.matches:
            messages.success(request, _(
                "Checked: re-running the draw with seed %(seed)s gives exactly the recorded "
                "result for all %(n)d requests.") % {"seed": result.seed, "n": result.checked})
        else:
            messages.error(request, _(
                "The re-run differs from the recorded result for %(n)d requests.")
                % {"n": len(result.differences)})
    return redirect(reverse("round-detail", args=[round_id]))
