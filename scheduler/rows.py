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


def _fits_key(model: type[models.Model], pk: int) -> bool:
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return (low is None or pk >= low) and (high is None or pk <= high)


def get_with_related[M: models.Model](
    model: type[M], pk: int, *, related: Sequence[str] = (), lock: bool = False
) -> M | None:
    """`model.objects.select_related(*related).get(pk=pk)` (optionally locking only the
    model's own row, like `select_for_update(of=("self",))`) in plain SQL; None if absent.

    `related` names forward foreign keys of `model` only (one level).
    """
    if not _fits_key(model, pk):
        return None  # as the ORM answers: no such row (and SQLite would overflow)
    query = _joined_select(model, tuple(related), lock, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    main, *others = query.parts
    instance = main.instance(row[: main.width])
    start = main.width
    for part in others:
        values = row[start: start + part.width]
        start += part.width
        # A nullable key with no row joins as all NULLs: leave the relation empty.
        setattr(instance, part.relation,
                None if values[part.pk_index] is None else part.instance(values))
    return instance


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
    if not objs:
        return objs
    model = type(objs[0])
    if not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(objs)
    fields = _insert_fields(model)
    # SQLite takes at most 32,766 parameters in one statement.
    per_statement = max(1, MAX_PARAMETERS // len(fields))
    pks = []
    for start in range(0, len(objs), per_statement):
        chunk = objs[start:start + per_statement]
        params = [
            field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            for obj in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, len(chunk), connection.vendor), params)
            pks += [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


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
