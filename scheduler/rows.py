"""Model rows by plain SQL, for the few paths that run on every booking attempt.

Building a query through the ORM (select_related, bulk_create) costs more CPU than the
query itself takes in PostgreSQL; under a booking rush that CPU is what limits a daphne
process. These helpers build their SQL once per model and shape, from the models' own
metadata, and turn rows into model instances with the same converters the ORM applies
(SQLite hands back datetimes as text, JSON as text, booleans as 0/1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, models

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class Statement:
    """One SQL statement with its parameters, to send with others by `run_together`."""

    sql: str
    params: Sequence[Any] = ()


Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class _Part:
    """One model's columns in a joined row."""

    model: type[models.Model]
    attnames: tuple[str, ...]
    converters: tuple[tuple[tuple[Converter, ...], Any], ...]  # per column: (converters, col)
    relation: str | None  # the foreign key on the main model that reached this part
    pk_index: int

    @property
    def width(self) -> int:
        return len(self.attnames)

    def instance(self, values: Sequence[Any]) -> models.Model:
        converted = []
        for value, (converters, col) in zip(values, self.converters, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, list(self.attnames), converted)


def _part(model: type[models.Model], alias: str, relation: str | None) -> _Part:
    fields = model._meta.concrete_fields
    converters = []
    for field in fields:
        col = field.get_col(alias)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((tuple(found), col))
    attnames = tuple(f.attname for f in fields)
    return _Part(model, attnames, tuple(converters), relation,
                 attnames.index(model._meta.pk.attname))


@dataclass(frozen=True)
class _JoinedSelect:
    sql: str
    parts: tuple[_Part, ...]


@cache
def _joined_select(
    model: type[models.Model], related: tuple[str, ...], lock: bool, vendor: str
) -> _JoinedSelect:
    quote = connection.ops.quote_name
    parts = [_part(model, "t0", None)]
    columns = [f"t0.{quote(f.column)}" for f in model._meta.concrete_fields]
    joins = []
    for number, name in enumerate(related, start=1):
        field = model._meta.get_field(name)
        target = field.related_model
        alias = f"t{number}"
        parts.append(_part(target, alias, name))
        columns += [f"{alias}.{quote(f.column)}" for f in target._meta.concrete_fields]
        join = "LEFT JOIN" if field.null else "JOIN"
        joins.append(
            f"{join} {quote(target._meta.db_table)} {alias}"
            f" ON {alias}.{quote(target._meta.pk.column)} = t0.{quote(field.column)}"
        )
    # Names come from the models' metadata; the key goes as a parameter.
    table = quote(model._meta.db_table)
    sql = f"SELECT {', '.join(columns)} FROM {table} t0 {' '.join(joins)}"  # noqa: S608
    sql += f" WHERE t0.{quote(model._meta.pk.column)} = %s"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE OF t0" if connection.features.has_select_for_update_of else (
            " FOR UPDATE")
    return _JoinedSelect(sql, tuple(parts))


def key_param(model: type[models.Model], pk: int) -> int | None:
    """`pk` as a query parameter: a key out of the column's range matches no row, as the
    ORM answers (SQLite would overflow), so it goes as NULL, which equals nothing."""
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    fits = (low is None or pk >= low) and (high is None or pk <= high)
    return pk if fits else None


def get_with_related[M: models.Model](
    model: type[M], pk: int, *, related: Sequence[str] = (), lock: bool = False
) -> M | None:
    """`model.objects.select_related(*related).get(pk=pk)` (optionally locking only the
    model's own row, like `select_for_update(of=("self",))`) in plain SQL; None if absent.

    `related` names forward foreign keys of `model` only (one level).
    """
    (rows,) = run_together([select_with_related(model, pk, related=related, lock=lock)])
    return instance_with_related(model, rows, related=related)


def select_with_related(
    model: type[models.Model], pk: int, *, related: Sequence[str] = (), lock: bool = False
) -> Statement:
    """The statement behind `get_with_related`, to send with others (`run_together`)."""
    query = _joined_select(model, tuple(related), lock, connection.vendor)
    return Statement(query.sql, [key_param(model, pk)])


def instance_with_related[M: models.Model](
    model: type[M], rows: Rows | None, *, related: Sequence[str] = ()
) -> M | None:
    """The instance, with its related ones set, from the rows of `select_with_related`."""
    if not rows:
        return None
    (row,) = rows
    main, *others = _joined_select(model, tuple(related), False, connection.vendor).parts
    instance = main.instance(row[: main.width])
    start = main.width
    for part in others:
        values = row[start: start + part.width]
        start += part.width
        # A nullable key with no row joins as all NULLs: leave the relation empty.
        setattr(instance, part.relation,
                None if values[part.pk_index] is None else part.instance(values))
    return instance


def run_together(statements: Sequence[Statement]) -> list[Rows | None]:
    """Run `statements` in order and return each one's rows (None where it returns none).

    On PostgreSQL they go as one message and come back as one answer each: a booking
    attempt's reads are a dozen small statements, and every round trip costs the daphne
    process more CPU than PostgreSQL spends on the statement. Django's psycopg cursors
    bind parameters on the client, which is what lets one `execute` carry several
    statements. They run in order, so locks are still taken in the order given, and a
    failing one fails the call like any statement. Elsewhere they run one by one.
    """
    if not statements:
        return []
    if not _one_message_allowed():
        return [_run_alone(statement) for statement in statements]
    sql = ";\n".join(statement.sql for statement in statements)
    params = [param for statement in statements for param in statement.params]
    results: list[Rows | None] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for _ in statements:
            results.append(cursor.fetchall() if cursor.description is not None else None)
            cursor.nextset()
    return results


def _one_message_allowed() -> bool:
    # Server-side binding (an OPTIONS switch) prepares each statement alone.
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}).get("server_side_binding")


def _run_alone(statement: Statement) -> Rows | None:
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        return cursor.fetchall() if cursor.description is not None else None


MAX_PARAMETERS = 30_000


def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


@cache
def _insert_sql(model: type[models.Model], rows: int, vendor: str) -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join([one_row] * rows)
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    return f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {pk}"  # noqa: S608


def insert_all[M: models.Model](objs: Sequence[M]) -> Sequence[M]:
    """Insert new rows of one model and set their primary keys: `bulk_create` without
    its query building and signals, in one statement. Fields are prepared as `save()`
    prepares them (auto_now_add stamps, JSON, time zones)."""
    insert_together([objs])
    return objs


def insert_together(
    groups: Sequence[Sequence[models.Model]], *, then: Sequence[Statement] = ()
) -> list[Rows | None]:
    """`insert_all` for several lists of rows (one model each) that do not refer to each
    other, and then the statements `then`, in one round trip (`run_together`). Returns
    the answers of `then`."""
    groups = [objs for objs in groups if objs]
    if groups and not connection.features.can_return_rows_from_bulk_insert:
        for objs in groups:
            type(objs[0]).objects.bulk_create(objs)
        return run_together(then)
    chunks = [chunk for objs in groups for chunk in _chunks(objs)]
    answers = run_together([*(_insert_statement(chunk) for chunk in chunks), *then])
    for chunk, rows in zip(chunks, answers, strict=False):
        for obj, (pk,) in zip(chunk, rows or [], strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    return answers[len(chunks):]


def _chunks[M: models.Model](objs: Sequence[M]) -> list[Sequence[M]]:
    # SQLite takes at most 32,766 parameters in one statement.
    per_statement = max(1, MAX_PARAMETERS // len(_insert_fields(type(objs[0]))))
    return [objs[start:start + per_statement] for start in range(0, len(objs), per_statement)]


def _insert_statement(objs: Sequence[models.Model]) -> Statement:
    model = type(objs[0])
    fields = _insert_fields(model)
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    return Statement(_insert_sql(model, len(objs), connection.vendor), params)


def update_all[M: models.Model](objs: Sequence[M], field_names: Sequence[str]) -> None:
    """Write `field_names` of each object back to its row: `bulk_update` without building
    one CASE expression per field and row (minutes for a draw of thousands), as one
    parameterised UPDATE run for every row (psycopg pipelines them)."""
    if not objs:
        return
    model = type(objs[0])
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {assignments}"  # noqa: S608
           f" WHERE {quote(model._meta.pk.column)} = %s")
    rows = [
        [*(f.get_db_prep_save(f.pre_save(obj, add=False), connection) for f in fields), obj.pk]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
