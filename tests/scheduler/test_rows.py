"""scheduler/rows.py: the plain-SQL row helpers give what the ORM would give."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Delivery, Event
from scheduler.rows import Statement, get_with_related, insert_all, run_together, update_all
from tests import factories as f
from visits.models import Booking, BookingStatus, Session

pytestmark = pytest.mark.django_db

RELATED = ("rule", "facility", "unit")


def _fields(obj: object) -> dict[str, object]:
    return {fld.attname: getattr(obj, fld.attname) for fld in type(obj)._meta.concrete_fields}


def test_a_session_with_its_rule_and_facility_equals_the_orms(world) -> None:  # noqa: ANN001
    session = world.session
    Session.objects.filter(pk=session.pk).update(close_reason="lockdown", needs_review=True)
    expected = Session.objects.select_related(*RELATED).get(pk=session.pk)

    with CaptureQueriesContext(connection) as queries:
        got = get_with_related(Session, session.pk, related=RELATED)
        # Reading the joined rows afterwards costs nothing more.
        _ = (got.rule.capacity, got.facility.tz, got.unit)
    assert len(queries) == 1
    assert _fields(got) == _fields(expected)
    assert _fields(got.rule) == _fields(expected.rule)
    assert _fields(got.facility) == _fields(expected.facility)
    assert isinstance(got.starts_at, dt.datetime) and got.starts_at.tzinfo is not None
    assert got.needs_review is True
    assert got.unit is None and expected.unit is None


def test_a_nullable_relation_with_a_row_is_loaded(world) -> None:  # noqa: ANN001
    session = f.make_session(world.rule, hours_from_now=96)
    Session.objects.filter(pk=session.pk).update(unit=world.unit_b)

    got = get_with_related(Session, session.pk, related=RELATED)

    assert got.unit == world.unit_b and got.unit.name == "Unit B"


def test_a_missing_or_out_of_range_key_is_none(world) -> None:  # noqa: ANN001
    assert get_with_related(Session, world.session.pk + 1000, related=RELATED) is None
    assert get_with_related(Session, 2**70, related=RELATED) is None


def test_locking_reads_the_same_row_inside_a_transaction(world) -> None:  # noqa: ANN001
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        got = get_with_related(Session, world.session.pk, related=RELATED, lock=True)
    assert got.pk == world.session.pk
    sql = queries[0]["sql"]
    if connection.features.has_select_for_update_of:
        assert "FOR UPDATE OF t0" in sql  # the session only, not its rule or facility
    else:
        assert "FOR UPDATE" not in sql


def test_insert_all_sets_keys_stamps_and_stores_json(world) -> None:  # noqa: ANN001
    (event,) = insert_all([Event(type="t.x", title="Hola", data={"a": [1, "ñ"]}, urgent=True)])
    deliveries = insert_all([Delivery(event=event, user=world.caregiver),
                             Delivery(event=event, user=world.liaison)])

    stored = Event.objects.get(pk=event.pk)
    assert stored.data == {"a": [1, "ñ"]} and stored.urgent is True and stored.i18n == {}
    assert stored.created_at == event.created_at is not None
    assert sorted(d.pk for d in deliveries) == sorted(
        Delivery.objects.filter(event=event).values_list("pk", flat=True))
    assert {d.user_id for d in Delivery.objects.filter(event=event)} == {
        world.caregiver.pk, world.liaison.pk}
    assert not deliveries[0]._state.adding


def test_insert_all_keeps_database_constraints(world) -> None:  # noqa: ANN001
    from django.db import IntegrityError

    row = dict(session=world.session, resident=world.resident, household=world.household,
               status=BookingStatus.REQUESTED, idempotency_key="same")
    insert_all([Booking(**row)])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_all([Booking(**row)])
    assert Booking.objects.filter(idempotency_key="same").count() == 1


def test_update_all_writes_the_named_fields_of_every_row(world) -> None:  # noqa: ANN001
    events = insert_all([Event(type="t.a", title="A", data={"n": 1}),
                         Event(type="t.b", title="B", data={"n": 2})])
    for number, event in enumerate(events):
        event.title, event.data, event.urgent = f"new {number}", {"n": [number, "ñ"]}, True
        event.type = "not written"

    update_all(events, ["title", "data", "urgent"])

    stored = {e.pk: e for e in Event.objects.filter(pk__in=[e.pk for e in events])}
    for number, event in enumerate(events):
        row = stored[event.pk]
        assert (row.title, row.data, row.urgent) == (f"new {number}", {"n": [number, "ñ"]}, True)
        assert row.type in {"t.a", "t.b"}  # fields not named stay as they were


def test_insert_all_splits_rows_that_exceed_the_parameter_limit(world, monkeypatch) -> None:  # noqa: ANN001
    import scheduler.rows as rows

    # Three fields' worth of parameters per statement: 7 events need several INSERTs.
    monkeypatch.setattr(rows, "MAX_PARAMETERS", 3 * len(rows._insert_fields(Event)))
    with CaptureQueriesContext(connection) as queries:
        events = insert_all([Event(type="t.chunk", title=f"E{n}") for n in range(7)])

    statements = sum(q["sql"].count("INSERT INTO") for q in queries.captured_queries)
    assert statements == (3 if connection.features.can_return_rows_from_bulk_insert else 1)

    stored = dict(Event.objects.filter(type="t.chunk").values_list("pk", "title"))
    assert len(stored) == 7
    assert {stored[event.pk] for event in events} == {f"E{n}" for n in range(7)}


def test_run_together_answers_each_statement_in_order(world) -> None:  # noqa: ANN001
    table = Session._meta.db_table
    answers = run_together([
        Statement(f"SELECT id, capacity FROM {table} WHERE id = %s", [world.session.pk]),  # noqa: S608
        Statement(f"UPDATE {table} SET held = held + %s WHERE id = %s",  # noqa: S608
                  [1, world.session.pk]),
        Statement(f"SELECT held FROM {table} WHERE id = %s", [world.session.pk]),  # noqa: S608
        Statement(f"SELECT id FROM {table} WHERE id = %s", [-1]),  # noqa: S608
    ])

    assert answers == [[(world.session.pk, world.session.capacity)], None,
                       [(world.session.held + 1,)], []]


def test_run_together_sends_one_message_on_postgresql(world) -> None:  # noqa: ANN001
    with CaptureQueriesContext(connection) as queries:
        run_together([Statement("SELECT %s", [1]), Statement("SELECT %s", [2])])

    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)


def test_a_failing_statement_fails_the_call_and_its_transaction(world) -> None:  # noqa: ANN001
    from django.db import IntegrityError

    table = Session._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic():
        run_together([
            Statement(f"UPDATE {table} SET held = 0 WHERE id = %s", [world.session.pk]),  # noqa: S608
            Statement(f"UPDATE {table} SET held = -5 WHERE id = %s", [world.session.pk]),  # noqa: S608
        ])

    assert Session.objects.get(pk=world.session.pk).held == world.session.held
