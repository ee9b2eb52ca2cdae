"""A caregiver asks for a visit in a fair draw on her phone; the liaison checks the draw.

Screenshots of every new page go to /tmp/round-*.png (390 px wide, and 360 px for the
request form) to be looked at.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo
from visits import services
from visits.models import AllocationMode, Facility, VisitingRule, VisitKind
from visits.round_models import RequestRound, RequestStatus, VisitRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Looked at by a person after the run; a fixed, predictable name is the point here.
SHOTS = "/tmp/round-{}.png"  # noqa: S108


def open_a_round() -> RequestRound:
    """Lakeview shares out a Saturday family day by request rounds (requests open three
    weeks ahead, so some round is always taking requests, whatever today is)."""
    facility = Facility.objects.get(name__startswith="Lakeview")
    rule = VisitingRule.objects.create(
        facility=facility, name="Saturday family day", kind=VisitKind.IN_PERSON,
        rrule="FREQ=WEEKLY;BYDAY=SA;BYHOUR=10,14;BYMINUTE=0",
        starts_on=timezone.localdate(timezone=facility.tz), duration_minutes=120, capacity=2,
        opens_days_before=21, closes_hours_before=24, allocation_mode=AllocationMode.ROUND,
        round_opens_days_before=21, round_closes_days_before=8,
    )
    services.rule_sync_sessions(rule=rule, horizon_days=35)
    services.rounds_open_due()
    return RequestRound.objects.filter(
        rule=rule, opens_at__lte=timezone.now(), deadline__gt=timezone.now()
    ).order_by("deadline").first()


def in_a_worker(work: Callable[[], object]) -> object:
    """Run `work` in its own thread, as the task worker would: this test's thread holds
    Playwright's event loop, and the draw's after-commit live push must not run on it."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(work()))
    worker.start()
    worker.join()
    return result[0]


def fits(page: Page, width: int = 390) -> None:
    """Nothing in the page's own content sticks out sideways at this width."""
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main, main *')]"
        ".map(e => e.getBoundingClientRect().right))")
    assert widest <= width


def test_caregiver_asks_for_a_visit_in_two_taps_and_hears_the_result(
    browser, page: Page, demo: Demo
) -> None:
    rnd = open_a_round()
    assert rnd is not None
    demo.login(page, "rosa")  # Maria is the only one she visits: "whom" is skipped

    banner = page.get_by_role("link", name=re.compile("Ask for a visit in the fair draw"))
    expect(banner.first).to_be_visible()
    # The page lists the next 30 times, and some weeks the demo's evening video calls fill
    # them all before the family day: she looks among the in-person visits, as she would.
    page.get_by_role("link", name="In person", exact=True).click()
    expect(page.get_by_text("By request – fair draw").first).to_be_visible()
    page.screenshot(path=SHOTS.format("sessions"), full_page=True)
    fits(page)
    banner.first.click()  # tap 1: the draw

    expect(page.get_by_role("heading", name="Ask for a visit with Maria")).to_be_visible()
    menu = page.get_by_label("Your 1st choice")
    options = menu.locator("option").all_inner_texts()
    assert options[0] == "Choose a time" and "0 requests / 2 places" in options[1]
    page.screenshot(path=SHOTS.format("request-form"), full_page=True)
    fits(page)
    page.set_viewport_size({"width": 360, "height": 800})
    fits(page, 360)
    page.screenshot(path=SHOTS.format("request-form-360"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})

    menu.select_option(index=2)  # her first choice: the second time offered
    page.get_by_label("2nd choice (if you like)").select_option(index=1)
    expect(page.get_by_role("checkbox", name=re.compile("Rosa"))).to_be_checked()
    page.get_by_role("button", name="Send my request").click()  # tap 2: send

    expect(page).to_have_url(re.compile(r"/requests/$"))
    expect(page.get_by_text("Your request is in.")).to_be_visible()
    request = VisitRequest.objects.get(household__caregiver__username="rosa")
    sessions = list(rnd.sessions.order_by("starts_at", "id"))
    assert request.choice_ids == [sessions[1].pk, sessions[0].pk]
    card = page.locator(f"#request-{request.pk}")
    expect(card).to_contain_text("Waiting for the draw")
    expect(card).to_contain_text("1 request for 2 places")
    page.screenshot(path=SHOTS.format("my-requests"), full_page=True)
    fits(page)

    # The deadline passes and the task draws the round: she sees the outcome at once.
    RequestRound.objects.filter(pk=rnd.pk).update(deadline=timezone.now() - dt.timedelta(1))
    assert in_a_worker(services.rounds_allocate_due) == 1
    page.reload()
    expect(card).to_contain_text("Place given")
    expect(card).to_contain_text("1st choice: given to you.")
    page.screenshot(path=SHOTS.format("my-requests-drawn"), full_page=True)
    assert VisitRequest.objects.get(pk=request.pk).status == RequestStatus.GRANTED

    liaison_context = browser.new_context(viewport={"width": 390, "height": 844})
    liaison = liaison_context.new_page()
    try:
        demo.login(liaison, "liaison")
        liaison.goto(f"{demo.url}/roster/rounds/")
        liaison.screenshot(path=SHOTS.format("rounds"), full_page=True)
        assert liaison.evaluate("document.documentElement.scrollWidth") <= 390  # the menu too
        drawn = liaison.locator(f'a[href="/roster/rounds/{rnd.pk}/"]')
        expect(drawn).to_contain_text("Places given out")
        drawn.click()
        rnd.refresh_from_db()
        expect(liaison.locator("code.seed")).to_have_text(str(rnd.seed))
        expect(liaison.locator(f"#request-{request.pk}")).to_contain_text("Lopez family")
        fits(liaison)
        liaison.screenshot(path=SHOTS.format("round-detail"), full_page=True)
        liaison.get_by_role("button", name="Re-run the draw and compare").click()
        expect(liaison.get_by_text(re.compile("gives exactly the recorded result"))).to_be_visible()
    finally:
        liaison_context.close()


def test_the_request_form_speaks_spanish(page: Page, demo: Demo) -> None:
    open_a_round()
    demo.login(page, "rosa")
    page.get_by_label("Language").select_option("es")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.goto(f"{demo.url}/visit/")  # Maria is the only one: straight to her times
    page.locator("a.card.draw").first.click()
    expect(page.get_by_role("button", name="Enviar mi solicitud")).to_be_visible()
    expect(page.get_by_label("Su 1.ª opción")).to_be_visible()
    page.screenshot(path=SHOTS.format("request-form-es"), full_page=True)
    fits(page)
