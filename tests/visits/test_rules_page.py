"""The liaisons' visiting rules page: plain-word recurrence, preview, save, pause, end,
bad input next to its field, and every persona kept to her own facility."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests import factories as f
from tests.conftest import PERSONAS, World
from visits.models import Session, SessionStatus, VisitingRule
from visits.recurrence import Recurrence, check_times, from_rrule, in_words, to_rrule

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# A Wednesday noon at the facility: the next weekend is three days ahead.
NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=CHICAGO)


@pytest.fixture
def w(request: pytest.FixtureRequest, time_machine: Any) -> World:
    """The shared world, built with the clock already at NOON."""
    time_machine.move_to(NOON, tick=False)
    return request.getfixturevalue("world")


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def weekend_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Weekend mornings", "kind": "in_person", "unit": "", "weekdays": ["5", "6"],
        "times": ["10:30", "", "", ""], "duration_minutes": "90", "capacity": "3",
        "max_adults": "2", "max_children": "3", "max_visitors": "4", "opens_days_before": "14",
        "closes_hours_before": "24", "cancel_hours_before": "12", "weekly_quota": "2",
        "monthly_quota": "6", "allocation_mode": "first_come", "round_opens_days_before": "14",
        "round_closes_days_before": "8", "join_instructions": "Bring photo ID.",
        "starts_on": "2026-12-02", "ends_on": "", "step": "save",
    }
    data.update(changes)
    return data


# --- recurrence in plain words ----------------------------------------------------------


def test_weekdays_and_times_make_an_rrule_and_read_back() -> None:
    recurrence = Recurrence(weekdays=(5, 6), times=(dt.time(9), dt.time(13)))
    text = to_rrule(recurrence)
    assert text == "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9,13;BYMINUTE=0"
    assert from_rrule(text) == recurrence
    with translation.override("en"):
        assert in_words(recurrence, 120) == "every Saturday and Sunday, 9 a.m. and 1 p.m., 2 hours"
        assert in_words(Recurrence(weekdays=tuple(range(7)), times=(dt.time(18, 30),)), 45) == \
            "every day, 6:30 p.m., 45 minutes"


def test_a_daily_rule_reads_as_every_day_and_an_unusual_one_is_not_guessed() -> None:
    assert from_rrule("FREQ=DAILY;BYHOUR=18,19;BYMINUTE=0").weekdays == tuple(range(7))
    assert from_rrule("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9") is None
    assert from_rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;BYHOUR=9") is None
    assert from_rrule("nonsense") is None


def test_times_on_different_minutes_cannot_share_a_rule() -> None:
    assert check_times([dt.time(9), dt.time(13, 30)])
    assert check_times([dt.time(9, 30), dt.time(13, 30)]) is None


def test_the_words_come_in_spanish() -> None:
    with translation.override("es"):
        words = in_words(Recurrence(weekdays=(5, 6), times=(dt.time(9),)), 120)
    assert words.startswith("cada sábado y domingo")
    assert "2 horas" in words


# --- preview, then save -----------------------------------------------------------------


def test_preview_shows_the_next_sessions_in_facility_time_and_saves_nothing(w: World) -> None:
    before = VisitingRule.objects.count()
    response = client_for(w.liaison).post("/roster/rules/new/", weekend_form(step="preview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Every Saturday and Sunday, 10:30 a.m., 1 hour 30 minutes." in page
    assert "Saturday, December 5, <span class=\"nowrap\">10:30 a.m. – noon</span>" in page
    assert "Save this rule" in page
    assert "No booked visit is affected." in page
    assert VisitingRule.objects.count() == before


def test_saving_a_new_rule_makes_its_sessions(w: World) -> None:
    response = client_for(w.liaison).post("/roster/rules/new/", weekend_form())
    assert response.status_code == 302 and response["Location"] == "/roster/rules/"
    rule = VisitingRule.objects.get(name="Weekend mornings")
    assert rule.facility == w.facility
    assert rule.rrule == "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=30"
    first = Session.objects.filter(rule=rule).order_by("starts_at").first()
    assert first.starts_at == dt.datetime(2026, 12, 5, 10, 30, tzinfo=CHICAGO)
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=90)
    assert first.capacity == 3
    listing = client_for(w.liaison).get("/roster/rules/").content.decode()
    assert "Every Saturday and Sunday, 10:30 a.m., 1 hour 30 minutes" in listing


def _weekend_rule_with_a_booking(w: World) -> tuple[VisitingRule, Session]:
    client_for(w.liaison).post("/roster/rules/new/", weekend_form())
    rule = VisitingRule.objects.get(name="Weekend mornings")
    session = Session.objects.filter(rule=rule).order_by("starts_at").first()
    f.make_booking(session, w.resident, w.household)
    return rule, session


def test_preview_names_the_booked_sessions_a_change_would_flag(w: World) -> None:
    rule, session = _weekend_rule_with_a_booking(w)
    moved = weekend_form(times=["11:30"], step="preview")
    page = client_for(w.liaison).post(f"/roster/rules/{rule.pk}/", moved).content.decode()
    assert "1 booked session no longer fits this rule:" in page
    assert "Saturday, December 5, 10:30 a.m. · 1 place taken" in page
    session.refresh_from_db()
    assert not session.needs_review  # a preview changes nothing

    response = client_for(w.liaison).post(f"/roster/rules/{rule.pk}/", {**moved, "step": "save"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.needs_review and session.starts_at.astimezone(CHICAGO).hour == 10
    assert Session.objects.filter(rule=rule, starts_at=session.starts_at + dt.timedelta(hours=1),
                                  ).exists()


def test_edit_page_starts_from_the_rules_days_and_times(w: World) -> None:
    rule, _ = _weekend_rule_with_a_booking(w)
    page = client_for(w.liaison).get(f"/roster/rules/{rule.pk}/").content.decode()
    assert 'name="weekdays" value="5" checked' in page
    assert 'name="weekdays" value="6" checked' in page
    assert 'name="weekdays" value="0" checked' not in page
    assert 'value="10:30"' in page


def test_pause_removes_unbooked_sessions_keeps_booked_ones_and_resumes(w: World) -> None:
    rule, booked = _weekend_rule_with_a_booking(w)
    client = client_for(w.liaison)
    assert client.post(f"/roster/rules/{rule.pk}/pause/").status_code == 302
    rule.refresh_from_db()
    assert not rule.active
    assert list(Session.objects.filter(rule=rule)) == [booked]
    booked.refresh_from_db()
    assert booked.needs_review and booked.status == SessionStatus.OPEN

    response = client.post(f"/roster/rules/{rule.pk}/pause/", follow=True)
    assert "This rule is already paused." in response.content.decode()

    client.post(f"/roster/rules/{rule.pk}/resume/")
    rule.refresh_from_db()
    assert rule.active and Session.objects.filter(rule=rule).count() > 1


def test_ending_a_rule_stops_its_sessions_after_the_last_day(w: World) -> None:
    client_for(w.liaison).post("/roster/rules/new/", weekend_form())
    rule = VisitingRule.objects.get(name="Weekend mornings")
    response = client_for(w.liaison).post(f"/roster/rules/{rule.pk}/end/",
                                          {"ends_on": "2026-12-06"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.ends_on == dt.date(2026, 12, 6)
    days = {s.starts_at.astimezone(CHICAGO).date() for s in Session.objects.filter(rule=rule)}
    assert days == {dt.date(2026, 12, 5), dt.date(2026, 12, 6)}


@pytest.mark.parametrize("ends_on", ["2026-12-01", "", "someday"])
def test_ending_on_a_past_or_missing_day_is_refused(w: World, ends_on: str) -> None:
    client_for(w.liaison).post("/roster/rules/new/", weekend_form())
    rule = VisitingRule.objects.get(name="Weekend mornings")
    response = client_for(w.liaison).post(f"/roster/rules/{rule.pk}/end/", {"ends_on": ends_on},
                                          follow=True)
    page = response.content.decode()
    assert "The last day cannot be in the past." in page or \
        "Choose the last day of this rule." in page
    rule.refresh_from_db()
    assert rule.ends_on is None


# --- bad input: a clear message next to the field, nothing written ------------------------

BAD_INPUTS = [
    ({"weekdays": []}, "Tick at least one day."),
    ({"weekdays": ["9"]}, "Select a valid choice."),
    ({"times": ["", "", "", ""]}, "Enter at least one start time."),
    ({"times": ["25:00"]}, "Enter each time as hours and minutes"),
    ({"times": ["09:00", "13:30"]}, "same minute past the hour"),
    ({"capacity": "0"}, "greater than or equal to 1"),
    ({"capacity": "lots"}, "Enter a whole number."),
    ({"duration_minutes": "2"}, "greater than or equal to 5"),
    ({"name": ""}, "This field is required."),
    ({"starts_on": "2026-13-01"}, "Enter a valid date."),
    ({"ends_on": "2026-11-01"}, "The last day must be on or after the first day."),
    ({"round_opens_days_before": "3", "round_closes_days_before": "8"},
     "Requests must open more days before the visit than they close."),
    ({"kind": "teleport"}, "Select a valid choice."),
    # Opening at midnight a day before a 10:30 visit and closing 200 hours before it: shut.
    ({"opens_days_before": "1", "closes_hours_before": "200"},
     "Families could never book: booking would close before it opens."),
    ({"opens_days_before": "0", "closes_hours_before": "11"},
     "Families could never book: booking would close before it opens."),
]


def test_booking_on_the_day_itself_until_shortly_before_is_a_rule(w: World) -> None:
    """Opening at midnight of the visit's day and closing two hours before 10:30 leaves
    families 8½ hours: a rule like any other."""
    response = client_for(w.liaison).post("/roster/rules/new/", weekend_form(
        step="save", opens_days_before="0", closes_hours_before="2"))
    assert response.status_code == 302
    rule = VisitingRule.objects.get(name=weekend_form()["name"])
    assert (rule.opens_days_before, rule.closes_hours_before) == (0, 2)


@pytest.mark.parametrize("step", ["preview", "save"])
@pytest.mark.parametrize(("changes", "message"), BAD_INPUTS)
def test_bad_input_is_refused_with_a_message(
    w: World, changes: dict[str, Any], message: str, step: str
) -> None:
    before = (VisitingRule.objects.count(), Session.objects.count())
    response = client_for(w.liaison).post("/roster/rules/new/", weekend_form(step=step, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert "There is a problem" in page and "error-summary" in page  # links to each field
    assert (VisitingRule.objects.count(), Session.objects.count()) == before


def test_a_nul_in_the_text_is_refused_at_the_edge(w: World) -> None:
    response = client_for(w.liaison).post("/roster/rules/new/", weekend_form(name="bad\x00name"))
    assert response.status_code == 400
    assert not VisitingRule.objects.filter(name__startswith="bad").exists()


def test_a_unit_of_another_facility_is_refused(w: World) -> None:
    other_unit = f.unit_of(w.other_facility, "Yard C")
    response = client_for(w.liaison).post("/roster/rules/new/",
                                          weekend_form(unit=str(other_unit.pk)))
    assert response.status_code == 400
    assert "Choose a unit from the list." in response.content.decode()
    assert not VisitingRule.objects.filter(name="Weekend mornings").exists()


def test_the_form_speaks_spanish(w: World) -> None:
    client = client_for(w.liaison)
    client.cookies["django_language"] = "es"
    page = client.post("/roster/rules/new/", weekend_form(step="preview", weekdays=[]),
                       HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Marque al menos un día." in page


# --- who may use the page ---------------------------------------------------------------

PAGE_STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 200, "other_liaison": 200,
               "coordinator": 403, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_rules_list_shows_only_the_own_facility(w: World, persona: str) -> None:
    response = client_for(w.persona(persona)).get("/roster/rules/")
    assert response.status_code == PAGE_STATUS[persona]
    if persona == "anonymous":
        assert response["Location"].startswith("/login/")
    if response.status_code == 200:
        shown = w.rule.name in response.content.decode()
        assert shown == (persona == "liaison")


OTHER_RULE_STATUS = {**PAGE_STATUS, "liaison": 200, "other_liaison": 404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ["", "pause/", "end/"])
def test_only_the_facilitys_liaison_touches_its_rule(w: World, persona: str, action: str) -> None:
    client = client_for(w.persona(persona))
    url = f"/roster/rules/{w.rule.pk}/{action}"
    if action:
        response = client.post(url, {"ends_on": "2026-12-20"})
        expected = {**OTHER_RULE_STATUS, "liaison": 302}[persona]
    else:
        response = client.post(url, weekend_form(name="Taken over"))
        expected = {**OTHER_RULE_STATUS, "liaison": 302}[persona]
    assert response.status_code == expected
    rule = VisitingRule.objects.get(pk=w.rule.pk)
    changed = (rule.name, rule.active, rule.ends_on) != (w.rule.name, True, None)
    assert changed == (persona == "liaison")


@pytest.mark.parametrize("persona", ["caregiver", "other_liaison", "coordinator", "driver"])
def test_nobody_else_creates_a_rule(w: World, persona: str) -> None:
    response = client_for(w.persona(persona)).post("/roster/rules/new/", weekend_form())
    if persona == "other_liaison":  # her own facility's rule, never Lakeview's
        assert response.status_code == 302
        assert VisitingRule.objects.get(name="Weekend mornings").facility == w.other_facility
    else:
        assert response.status_code == 403
        assert not VisitingRule.objects.filter(name="Weekend mornings").exists()


def test_the_spanish_form_sends_back_what_it_shows(w: World) -> None:
    """The page's own values (dates, times, numbers) come back valid in Spanish too."""
    client = client_for(w.liaison)
    client.cookies["django_language"] = "es"
    page = client.get("/roster/rules/new/").content.decode()
    assert 'type="date" name="starts_on" value="2026-12-02"' in page
    response = client.post("/roster/rules/new/", weekend_form(step="preview"))
    assert response.status_code == 200
    assert "Revise antes de guardar" in response.content.decode()


def test_the_error_summary_links_to_each_wrong_field(w: World) -> None:
    form = weekend_form(step="save", name="", capacity="lots")
    page = client_for(w.liaison).post("/roster/rules/new/", form).content.decode()
    summary = page[page.index('class="error-summary"'):page.index("</ul>", page.index(
        'class="error-summary"'))]
    assert '<a href="#id_name">This field is required.</a>' in summary
    assert '<a href="#id_capacity">Enter a whole number.</a>' in summary
    assert 'id="id_name"' in page and 'id="id_capacity"' in page


def test_a_rule_has_its_name_and_instructions_in_spanish_with_a_fallback(w: World) -> None:
    liaison = client_for(w.liaison)
    form = weekend_form(step="save", name="Weekend visits", name_es="Visitas de fin de semana",
                        join_instructions="Bring photo ID.", join_instructions_es="")
    assert liaison.post("/roster/rules/new/", form).status_code == 302
    rule = VisitingRule.objects.get(name="Weekend visits")
    assert (rule.name_es, rule.join_instructions_es) == ("Visitas de fin de semana", "")
    with translation.override("es"):
        assert (rule.shown_name, rule.shown_join_instructions) == (
            "Visitas de fin de semana", "Bring photo ID.")  # no Spanish text: the English one
    with translation.override("en"):
        assert rule.shown_name == "Weekend visits"
    edit = liaison.get(f"/roster/rules/{rule.pk}/").content.decode()
    assert 'value="Visitas de fin de semana"' in edit
