"""Leases: how a worker holds a row's job without ever holding it forever.

A job is claimed with one compare-and-swap UPDATE that sets `<lease field>` to a time a
little ahead; the claim succeeds only if nobody holds a lease that is still running. A
worker that dies leaves its lease to run out, and the next sweep (`run_periodic`) takes
the job again: work that must happen is done at least once, never left waiting on a dead
worker. Imports no app.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model, Q
from django.utils import timezone


def lease_free(field: str, *, now: dt.datetime) -> Q:
    """Rows whose lease `field` is not held (never taken, or run out)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": now})


def lease_claim(
    model: type[Model], *, pk: Any, field: str, seconds: float, **where: Any
) -> dt.datetime | None:
    """Take the lease on row `pk` (matching `where`) for `seconds`.

    Returns the lease's end, the holder's token to `lease_release` with; None when the row
    does not match or someone else holds a running lease.
    """
    now = timezone.now()
    until = now + dt.timedelta(seconds=seconds)
    claimed = (
        model._default_manager.filter(pk=pk, **where)
        .filter(lease_free(field, now=now))
        .update(**{field: until})
    )
    return until if claimed else None


def lease_release(model: type[Model], *, pk: Any, field: str, until: dt.datetime,
                  **updates: Any) -> bool:
    """Give the lease back (and write `updates`) if it is still ours."""
    mine = model._default_manager.filter(pk=pk, **{field: until})
    return bool(mine.update(**{field: None}, **updates))
