"""Pages of the fund: give (public), the public totals, and the coordinators' report.

Views only translate HTTP to a service or selector call and back.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from scheduler.csv_export import csv_response, month_range, report_range
from scheduler.errors import DomainError, InvalidInput
from scheduler.inputs import parse_id
from scheduler.throttles import DonationStartThrottle, throttled_message
from transport.access import check_coordinator, coordinator_program
from transport.fund import exports, selectors
from transport.fund.donations import (
    cents_of,
    donation_start,
    money_text,
    money_text_local,
    monthly_gift_subscribe,
)
from transport.fund.errors import InsufficientFunds
from transport.fund.models import Donation, DonationKind, DonationStatus, SubsidyKind
from transport.fund.subsidies import subsidy_grant
from transport.models import Program
from transport.programs import facilities_q
from visits.models import HOLDING_STATUSES, Booking, Facility

PRESET_AMOUNTS = ("10", "25", "50", "100")


def _donate_form(request: HttpRequest, values: dict[str, Any], errors: dict[str, list[str]],
                 status: int = 200) -> HttpResponse:
    programs = list(Program.objects.order_by("name", "id"))
    facilities = Facility.objects.order_by("name")
    chosen = parse_id(str(values.get("program") or ""))
    known = chosen is not None and any(p.pk == chosen for p in programs)
    if known:
        # A program's own link: only the facilities it drives families to.
        facilities = facilities.filter(facilities_q(chosen))
    context = {
        "values": values, "errors": errors, "presets": PRESET_AMOUNTS,
        "facilities": facilities,
        # With one program (or none) the donor is not asked: nothing changes for her (its
        # own link's choice is kept, hidden).
        "programs": programs if len(programs) > 1 else [],
        "hidden_program": chosen if known and len(programs) <= 1 else None,
        "currency": settings.FUND_CURRENCY.upper(),
        # In her own way of writing numbers ("1,00" in Spanish), like what she types.
        "minimum": money_text_local(settings.FUND_MIN_DONATION_CENTS, settings.FUND_CURRENCY),
        "maximum": money_text_local(settings.FUND_MAX_DONATION_CENTS, settings.FUND_CURRENCY),
    }
    return render(request, "fund/donate.html", context, status=status)


def stripe_policy() -> dict[str, list[str]]:
    """The site's CSP, widened for Stripe.js and its card frames: this page only."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.STRIPE_JS_URL))
    policy = dict(settings.SECURE_CSP)
    policy.update({
        "script-src": [CSP.SELF, CSP.NONCE, origin],
        "frame-src": [origin, "https://hooks.stripe.com"],
        "connect-src": [CSP.SELF, "https://api.stripe.com"],
        "img-src": [CSP.SELF, "data:", "https://*.stripe.com"],
    })
    return policy


def _too_many(request: HttpRequest, values: dict[str, Any]) -> HttpResponse | None:
    """Each start calls Stripe: the page counts with the API's donation throttle."""
    throttle = DonationStartThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    response = _donate_form(request, values, {"page": [throttled_message(wait)]}, 429)
    response["Retry-After"] = str(max(1, int((wait or 60) + 0.999)))
    return response


def _picked_id(raw: str) -> str | int:
    """A chosen id (facility, program), "" for none, or "?" (which the service refuses by
    name)."""
    return "" if not raw.strip() else (parse_id(raw) or "?")


def donate_page(request: HttpRequest) -> HttpResponse:
    """Step 1 (amount, donor, program, earmark) without any script; step 2 is Stripe's card
    form. `?program=<id>` (a program's own link) preselects the program."""
    if request.method != "POST":
        return _donate_form(request, {"kind": DonationKind.ONE_TIME, "preset": "25",
                                      "program": request.GET.get("program", "")[:20]}, {})
    values = {name: request.POST.get(name, "") for name in
              ("preset", "amount", "kind", "earmark", "email", "name", "program")}
    refused = _too_many(request, values)
    if refused:
        return refused
    try:
        started = donation_start(
            # A typed amount wins over the chosen button.
            amount=values["amount"].strip() or values["preset"],
            email=values["email"], name=values["name"],
            earmark=_picked_id(values["earmark"]), kind=values["kind"] or DonationKind.ONE_TIME,
            program=_picked_id(values["program"]),
        )
    except InvalidInput as error:
        return _donate_form(request, values, error.fields or {"amount": [error.message]}, 400)
    except DomainError as error:
        return _donate_form(request, values, {"page": [error.message]}, error.status)
    response = render(request, "fund/pay.html", {
        "started": started, "amount_text": money_text(started.amount_cents, started.currency),
        "monthly": started.kind == DonationKind.MONTHLY,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": request.build_absolute_uri(reverse("fund-thanks")),
    })
    response._csp_config = stripe_policy()  # read by Django's CSP middleware
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.STRIPE_JS_URL))
    response.permissions_policy = settings.PERMISSIONS_POLICY.replace(
        "payment=()", f'payment=(self "{origin}")')  # wallets inside Stripe's frame
    return response


def thanks_page(request: HttpRequest) -> HttpResponse:
    """Where Stripe sends the donor back. The webhook, not this page, lands the money."""
    failed = request.GET.get("redirect_status") == "failed"
    setup_intent = request.GET.get("setup_intent", "")
    monthly = None
    if setup_intent and not failed:
        try:
            monthly = monthly_gift_subscribe(setup_intent_id=setup_intent)
        except DomainError as error:
            messages.error(request, error.message)
            failed = True
    donation = Donation.objects.filter(
        payment_intent_id=request.GET.get("payment_intent") or "-"
    ).first()
    return render(request, "fund/thanks.html", {
        "failed": failed or (donation is not None and donation.status == DonationStatus.FAILED),
        "arrived": donation is not None and donation.status == DonationStatus.SUCCEEDED,
        "monthly": monthly,
        "amount_text": money_text(donation.amount_cents, donation.currency) if donation else "",
    })


def totals_page(request: HttpRequest) -> HttpResponse:
    """Public: what was raised and spent, and a chart of the last twelve months; every
    program's fund together, or one program's (`?program=<id>`; unknown: 404)."""
    program = None
    if request.GET.get("program"):
        program = Program.objects.filter(pk=parse_id(request.GET["program"]) or 0).first()
        if program is None:
            raise Http404(_("We could not find that program."))
    funds = selectors.funds_public(program.pk if program else None)
    totals = selectors.public_totals(funds)
    bars = selectors.last_twelve_months(funds)
    return render(request, "fund/totals.html", {
        "program": program, "programs": list(Program.objects.order_by("name", "id")),
        "totals": totals, "chart": _chart(bars, totals.currency),
        "raised_text": money_text(totals.raised_cents, totals.currency),
        "spent_text": money_text(totals.spent_cents, totals.currency),
        "balance_text": money_text(totals.balance_cents, totals.currency),
    })


CHART_HEIGHT = 150
MONTH_WIDTH = 30


def _chart(bars: list[selectors.MonthBar], currency: str) -> list[dict[str, Any]]:
    """Bar geometry for the inline SVG: two bars a month scaled to the largest figure."""
    top = max([b.raised_cents for b in bars] + [b.spent_cents for b in bars] + [1])
    out = []
    for i, bar in enumerate(bars):
        raised_h = round(CHART_HEIGHT * max(bar.raised_cents, 0) / top)
        spent_h = round(CHART_HEIGHT * max(bar.spent_cents, 0) / top)
        out.append({
            "month": bar.month, "x": i * MONTH_WIDTH + 3,
            "raised_h": raised_h, "raised_y": CHART_HEIGHT - raised_h,
            "spent_h": spent_h, "spent_y": CHART_HEIGHT - spent_h,
            "raised_text": money_text(bar.raised_cents, currency),
            "spent_text": money_text(bar.spent_cents, currency),
        })
    return out


def _bookings_to_help(program_id: int | None) -> list[Booking]:
    """Visits to her program's facilities only: another program's families are not hers."""
    return list(
        Booking.objects.filter(facilities_q(program_id, "session__facility__"),
                               status__in=HOLDING_STATUSES)
        .select_related("session__facility", "household").order_by("session__starts_at")[:200]
    )


def _report_context(request: HttpRequest) -> dict[str, Any]:
    program_id = coordinator_program(request.user)
    subsidies = list(selectors.subsidy_report(user=request.user)[:500])
    summary = selectors.balance_summary(user=request.user)
    entries = list(selectors.ledger_for(user=request.user)[:50])
    gifts = list(selectors.donations_for(user=request.user)[:50])
    for row in (*entries, *gifts):
        row.amount_text = money_text(row.amount_cents, summary["currency"])
    total = sum(s.amount_cents for s in subsidies if s.status == "granted")
    for subsidy in subsidies:
        subsidy.amount_text = money_text(subsidy.amount_cents, summary["currency"])
        subsidy.seat_trips = selectors.seat_trips(subsidy)
    return {
        "subsidies": subsidies, "bookings": _bookings_to_help(program_id),
        "entries": entries, "gifts": gifts,
        "program": Program.objects.filter(pk=program_id or 0).first(),
        "kinds": SubsidyKind.choices, "currency": summary["currency"].upper(),
        "balance_text": money_text(summary["balance_cents"], summary["currency"]),
        "total_text": money_text(total, summary["currency"]),
        "mileage_rate": settings.FUND_MILEAGE_RATE_CENTS,
        "errors": {}, "values": {},
    }


@login_required
def subsidy_report_page(request: HttpRequest) -> HttpResponse:
    """Coordinators: her program's fund (balance, ledger, gifts), what it paid for which
    visits, and the form to grant help."""
    return render(request, "fund/report.html", _report_context(request))


def _grant_problems(error: DomainError, currency: str) -> dict[str, list[str]]:
    """A refused grant's problems by the form's field names (the service says
    `amount_cents`; the box is `amount`), with what the fund could pay instead."""
    fields = {("amount" if name == "amount_cents" else name): [str(m) for m in texts]
              for name, texts in error.fields.items()}
    if isinstance(error, InsufficientFunds) and "available_cents" in error.extra:
        fields.setdefault("amount", []).append(
            _("The fund can pay up to %(amount)s for this visit.") % {"amount": money_text(
                error.extra["available_cents"], currency)})
    return fields


@login_required
@require_POST
def subsidy_grant_page(request: HttpRequest) -> HttpResponse:
    check_coordinator(request.user)
    data = request.POST
    try:
        amount_cents = None
        if data.get("kind") != SubsidyKind.MILEAGE:
            amount_cents = cents_of(data.get("amount"))
        subsidy = subsidy_grant(
            actor=request.user, booking_id=data.get("booking"), kind=data.get("kind"),
            amount_cents=amount_cents, miles=data.get("miles"), note=data.get("note", ""),
        )
    except DomainError as error:
        # Shown again with what she typed and the visit she chose: redirecting to an empty
        # form would put the first visit back in the box, and a second try would pay the
        # wrong family.
        messages.error(request, error.message)
        context = _report_context(request)
        context["values"] = {key: data.get(key, "")
                             for key in ("booking", "kind", "amount", "miles", "note")}
        context["errors"] = _grant_problems(error, context["currency"])
        return render(request, "fund/report.html", context, status=error.status)
    messages.success(request, _("Granted %(amount)s. The family has been told.")
                     % {"amount": money_text(subsidy.amount_cents, subsidy.fund.currency)})
    return redirect("fund-report")


@login_required
@require_safe
def grants_csv(request: HttpRequest) -> HttpResponse:
    """Coordinators: every grant for visits in ?from=&to= (default: six months)."""
    first, last = month_range(timezone.now().date())
    first, last = report_range(request.GET, default_first=first, default_last=last)
    rows = exports.grant_rows(user=request.user, first=first, last=last)
    return csv_response(f"travel-fund-grants-{first.isoformat()}-{last.isoformat()}.csv",
                        exports.GRANTS_HEADER, rows)
