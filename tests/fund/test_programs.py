"""A travel fund per program: gifts go to the fund of the program the donor picks (or the
only one), grants draw from the fund of the program that plans the ride, refunds debit the
gift's fund, and a coordinator sees only her program's fund, on pages and in the API.

Prairie Rides serves Lakeview (the world's facility, its coordinator); Danville Rides serves
High Desert (the world's other facility), with its own coordinator.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from scheduler.errors import NotFound
from tests import factories as f
from tests.conftest import World
from tests.fund.conftest import pay
from tests.fund.helpers import donate, refund
from transport.fund.donations import donation_start
from transport.fund.errors import InsufficientFunds
from transport.fund.ledger import entry_reverse, fund_balance, fund_default, fund_for_program
from transport.fund.models import Donation, LedgerEntry, MonthlyGift, Subsidy
from transport.fund.subsidies import subsidy_grant
from transport.models import Coordinator, Program, ProgramFacility

pytestmark = pytest.mark.django_db


@dataclass
class Two:
    prairie: Program
    danville: Program
    prairie_coord: Any
    danville_coord: Any
    lakeview_booking: Any
    danville_booking: Any


@pytest.fixture
def two(world: World) -> Two:
    prairie = Program.objects.create(name="Prairie Rides")
    danville = Program.objects.create(name="Danville Rides")
    ProgramFacility.objects.create(program=prairie, facility=world.facility)
    ProgramFacility.objects.create(program=danville, facility=world.other_facility)
    Coordinator.objects.filter(user=world.coordinator).update(program=prairie)
    danville_coord = f.make_coordinator("danville_coord")
    Coordinator.objects.filter(user=danville_coord).update(program=danville)
    household = f.make_household("dora", name="Diaz family")
    resident = f.make_resident(world.other_facility, first_name="Dana", last_name="Diaz")
    f.approve(household.visitors.all(), resident)
    session = f.make_session(f.make_rule(world.other_facility, capacity=4))
    return Two(prairie, danville, world.coordinator, danville_coord,
               f.make_booking(world.session, world.resident, world.household),
               f.make_booking(session, resident, household))


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def whole_ledger() -> int:
    return sum(LedgerEntry.objects.values_list("amount_cents", flat=True))


# --- giving -----------------------------------------------------------------------------


def test_with_one_program_the_donor_is_not_asked_and_the_gift_is_its(
    world: World, localstripe: Any
) -> None:
    only = Program.objects.create(name="Prairie Rides")
    html = Client().get("/fund/donate/").content.decode()
    assert 'name="program"' not in html
    response = Client().post("/fund/donate/", {"amount": "25", "email": "a@example.org"})
    assert response.status_code == 200
    assert Donation.objects.get().fund.program == only


def test_with_several_programs_the_donor_picks_one(two: Two, localstripe: Any) -> None:
    html = Client().get("/fund/donate/").content.decode()
    assert 'name="program"' in html and "Danville Rides" in html and "Prairie Rides" in html
    response = Client().post("/fund/donate/", {"amount": "25", "email": "a@example.org",
                                               "program": str(two.danville.pk)})
    assert response.status_code == 200
    assert Donation.objects.get().fund == fund_for_program(two.danville.pk)


def test_a_programs_own_link_preselects_it_and_offers_its_facilities(
    two: Two, world: World
) -> None:
    html = Client().get(f"/fund/donate/?program={two.danville.pk}").content.decode()
    assert f'<option value="{two.danville.pk}" selected>' in html
    assert world.other_facility.name in html  # Danville's facility
    assert world.facility.name not in html  # Prairie's is not offered on Danville's link


def test_no_program_chosen_among_several_is_said_by_the_field(two: Two) -> None:
    response = Client().post("/fund/donate/", {"amount": "25", "email": "a@example.org"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="program-error"' in html and "Choose the program your gift goes to." in html
    assert not Donation.objects.exists()


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "99999999999999999999999"])
def test_unknown_program_in_the_form_is_said_by_the_field_not_a_500(two: Two, raw: str) -> None:
    response = Client().post("/fund/donate/", {"amount": "25", "email": "a@example.org",
                                               "program": raw})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="program-error"' in html and "Choose a program from the list." in html
    assert not Donation.objects.exists() and not MonthlyGift.objects.exists()


def test_unknown_program_in_spanish(two: Two) -> None:
    client = Client()
    client.cookies["django_language"] = "es"
    response = client.post("/fund/donate/", {"amount": "25", "email": "a@example.org",
                                             "program": "999999"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert "Elija un programa de la lista." in response.content.decode()


def test_a_facility_of_another_program_is_refused_by_the_earmark(two: Two, world: World) -> None:
    response = Client().post("/fund/donate/", {
        "amount": "25", "email": "a@example.org", "program": str(two.prairie.pk),
        "earmark": str(world.other_facility.pk)})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="earmark-error"' in html and "Prairie Rides does not drive families to" in html
    assert not Donation.objects.exists()


def test_a_facility_alone_names_its_program(two: Two, world: World, localstripe: Any) -> None:
    donation_start(amount="10", email="a@example.org", earmark=world.other_facility.pk)
    gift = Donation.objects.get()
    assert gift.fund.program == two.danville and gift.earmark == world.other_facility


def test_api_gift_for_a_program_and_an_unknown_one(
    two: Two, localstripe: Any, api: Callable
) -> None:
    url = "/api/v1/fund/donations/"
    body = {"amount": "12", "email": "a@example.org"}
    refused = api().post(url, {**body, "program": 999999}, format="json")
    assert refused.status_code == 400 and "program" in refused.json()["fields"]
    missing = api().post(url, body, format="json")
    assert missing.status_code == 400 and "program" in missing.json()["fields"]
    started = api().post(url, {**body, "program": two.prairie.pk}, format="json")
    assert started.status_code == 201
    assert Donation.objects.get().fund.program == two.prairie


def test_monthly_gift_goes_to_the_chosen_programs_fund(two: Two, localstripe: Any) -> None:
    donation_start(amount="8", email="a@example.org", kind="monthly", program=two.danville.pk)
    assert MonthlyGift.objects.get().fund.program == two.danville


# --- money in and out, per fund ---------------------------------------------------------


def test_a_grant_draws_from_the_fund_of_the_program_that_plans_the_ride(two: Two) -> None:
    donate(5000, program_id=two.prairie.pk)
    donate(3000, program_id=two.danville.pk)
    subsidy_grant(actor=two.danville_coord, booking_id=two.danville_booking.pk,
                  kind="bus_fare", amount_cents=1200)
    assert fund_balance(fund_for_program(two.danville.pk)) == 3000 - 1200
    assert fund_balance(fund_for_program(two.prairie.pk)) == 5000
    assert Subsidy.objects.get().fund.program == two.danville


def test_another_programs_money_does_not_pay_for_her_grant(two: Two) -> None:
    donate(9000, program_id=two.prairie.pk)
    with pytest.raises(InsufficientFunds):
        subsidy_grant(actor=two.danville_coord, booking_id=two.danville_booking.pk,
                      kind="bus_fare", amount_cents=100)
    assert not Subsidy.objects.exists()
    assert fund_balance(fund_for_program(two.prairie.pk)) == 9000


def test_a_refund_debits_the_fund_the_gift_went_to(two: Two) -> None:
    gift = donate(4000, program_id=two.danville.pk)
    donate(1000, program_id=two.prairie.pk)
    refund(gift, 1500)
    assert fund_balance(fund_for_program(two.danville.pk)) == 2500
    assert fund_balance(fund_for_program(two.prairie.pk)) == 1000
    assert LedgerEntry.objects.get(kind="refund").fund.program == two.danville


def test_per_program_balances_add_up_to_the_whole_ledger(two: Two) -> None:
    donate(7000, program_id=two.prairie.pk)
    refund(donate(2550, program_id=two.danville.pk), 2550)  # back to zero
    donate(1999, program_id=two.danville.pk)
    donate(333)  # the unnamed program's fund (accounts made before programs existed)
    subsidy_grant(actor=two.prairie_coord, booking_id=two.lakeview_booking.pk,
                  kind="fuel_card", amount_cents=1234)
    subsidy_grant(actor=two.danville_coord, booking_id=two.danville_booking.pk,
                  kind="bus_fare", amount_cents=999)
    balances = {
        "prairie": fund_balance(fund_for_program(two.prairie.pk)),
        "danville": fund_balance(fund_for_program(two.danville.pk)),
        "unnamed": fund_balance(fund_default()),
    }
    assert balances == {"prairie": 7000 - 1234, "danville": 1999 - 999, "unnamed": 333}
    assert sum(balances.values()) == whole_ledger() == 7000 - 1234 + 1999 - 999 + 333


def test_a_coordinator_cannot_reverse_another_programs_entry(two: Two) -> None:
    gift = donate(1000, program_id=two.danville.pk)
    entry = LedgerEntry.objects.get(donation=gift)
    with pytest.raises(NotFound):
        entry_reverse(actor=two.prairie_coord, entry_id=entry.pk, reason="not ours")
    entry_reverse(actor=two.danville_coord, entry_id=entry.pk, reason="a test gift")
    assert fund_balance(fund_for_program(two.danville.pk)) == 0


# --- who sees which fund ----------------------------------------------------------------


def test_each_coordinator_sees_only_her_programs_fund_in_the_api(two: Two, api: Callable) -> None:
    donate(4000, program_id=two.prairie.pk)
    gift = donate(2500, program_id=two.danville.pk)
    Donation.objects.filter(pk=gift.pk).update(name="Ann Donor", email="ann@example.org")
    prairie = api(two.prairie_coord)
    danville = api(two.danville_coord)
    assert prairie.get("/api/v1/fund/balance/").json()["balance_cents"] == 4000
    assert danville.get("/api/v1/fund/balance/").json()["balance_cents"] == 2500
    assert [e["amount_cents"] for e in prairie.get("/api/v1/fund/ledger/").json()] == [4000]
    gifts = danville.get("/api/v1/fund/gifts/").json()
    assert [(g["amount_cents"], g["name"]) for g in gifts] == [(2500, "Ann Donor")]
    assert "ann@example.org" not in str(gifts)  # a donor's email stays with the receipt
    assert [g["amount_cents"] for g in prairie.get("/api/v1/fund/gifts/").json()] == [4000]


@pytest.mark.parametrize("persona", ["caregiver", "other_caregiver", "liaison",
                                     "other_liaison", "driver"])
@pytest.mark.parametrize("url", ["/api/v1/fund/balance/", "/api/v1/fund/ledger/",
                                 "/api/v1/fund/gifts/"])
def test_no_one_but_a_coordinator_reads_a_fund(
    two: Two, world: World, api: Callable, persona: str, url: str
) -> None:
    donate(4000, program_id=two.prairie.pk)
    response = api(world.persona(persona)).get(url)
    assert response.status_code == 403
    assert "4000" not in response.content.decode()
    assert api().get(url).status_code in (401, 403)


def test_the_report_page_shows_her_programs_fund_gifts_and_visits_only(
    two: Two, world: World
) -> None:
    gift = donate(4000, program_id=two.danville.pk)
    Donation.objects.filter(pk=gift.pk).update(name="Ann Donor")
    donate(1700, program_id=two.prairie.pk)
    danville = login(two.danville_coord).get("/fund/subsidies/").content.decode()
    assert "Danville Rides" in danville and "40.00 USD" in danville and "Ann Donor" in danville
    assert "17.00 USD" not in danville
    assert "Diaz family" in danville and "Lopez family" not in danville  # visits to grant for
    prairie = login(two.prairie_coord).get("/fund/subsidies/").content.decode()
    assert "17.00 USD" in prairie and "Ann Donor" not in prairie and "Diaz family" not in prairie


@pytest.mark.parametrize("persona", ["caregiver", "liaison", "other_liaison", "driver"])
def test_no_one_but_a_coordinator_sees_the_report_page(
    two: Two, world: World, persona: str
) -> None:
    donate(4000, program_id=two.prairie.pk)
    response = login(world.persona(persona)).get("/fund/subsidies/")
    assert response.status_code == 403
    assert "40.00 USD" not in response.content.decode()
    assert Client().get("/fund/subsidies/").status_code == 302  # to sign in


def test_grants_export_is_per_program(two: Two, world: World) -> None:
    donate(5000, program_id=two.prairie.pk)
    donate(5000, program_id=two.danville.pk)
    subsidy_grant(actor=two.danville_coord, booking_id=two.danville_booking.pk,
                  kind="bus_fare", amount_cents=1100)
    day = two.danville_booking.session.starts_at.date()
    query = f"?from={day - dt.timedelta(days=1)}&to={day + dt.timedelta(days=1)}"

    def rows(user: Any) -> list[dict[str, str]]:
        response = login(user).get("/fund/subsidies/export.csv" + query)
        assert response.status_code == 200
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    assert [(r["facility"], r["amount"]) for r in rows(two.danville_coord)] == [
        (world.other_facility.name, "11.00")]
    assert rows(two.prairie_coord) == []


def test_public_totals_per_program_and_together(two: Two) -> None:
    donate(4000, program_id=two.prairie.pk)
    donate(2500, program_id=two.danville.pk)
    together = Client().get("/fund/").content.decode()
    assert "65.00 USD" in together and "Danville Rides" in together
    one = Client().get(f"/fund/?program={two.danville.pk}").content.decode()
    assert "25.00 USD" in one and "65.00 USD" not in one
    assert Client().get("/fund/?program=999999").status_code == 404
    assert Client().get("/fund/?program=abc").status_code == 404


def test_paid_gifts_land_in_the_chosen_programs_fund_through_stripe(
    two: Two, recorder: Any, webhook: Any
) -> None:
    to_prairie = donation_start(amount="30", email="d@example.org", program=two.prairie.pk)
    to_danville = donation_start(amount="12.34", email="d@example.org", program=two.danville.pk)
    assert pay(to_prairie.intent_id) and pay(to_danville.intent_id)
    for intent in (to_danville.intent_id, to_prairie.intent_id):
        for delivery in recorder.wait_for(intent, "payment_intent.succeeded", copies=3):
            assert webhook(delivery) == 200
    assert fund_balance(fund_for_program(two.prairie.pk)) == 3000
    assert fund_balance(fund_for_program(two.danville.pk)) == 1234
    assert whole_ledger() == 3000 + 1234


def test_the_receipt_names_the_program_the_gift_went_to(two: Two, mailoutbox: list) -> None:
    from transport.fund.receipts import receipt_send

    gift = donate(2500, program_id=two.danville.pk)
    Donation.objects.filter(pk=gift.pk).update(email="ann@example.org")
    assert receipt_send(donation_id=gift.pk)
    assert "It goes to the travel fund of Danville Rides." in mailoutbox[0].body
    unnamed = donate(1000)
    Donation.objects.filter(pk=unnamed.pk).update(email="bo@example.org")
    assert receipt_send(donation_id=unnamed.pk)
    assert "travel fund of" not in mailoutbox[1].body


def test_with_one_program_its_link_or_a_broken_one_changes_nothing_for_the_donor(
    world: World,
) -> None:
    only = Program.objects.create(name="Prairie Rides")
    linked = Client().get(f"/fund/donate/?program={only.pk}").content.decode()
    assert f'<input type="hidden" name="program" value="{only.pk}">' in linked
    assert "<select id=\"id_program\"" not in linked
    broken = Client().get("/fund/donate/?program=nope").content.decode()
    assert 'name="program"' not in broken
