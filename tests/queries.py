"""Pin the number of queries an endpoint sends, as Zulip's `assert_database_query_count`.

Speed is kept by a test rather than by hand-written SQL: a change that adds a query to a
hot endpoint fails here and says which queries it sends now.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

# Not the endpoint's own work: savepoints exist only because each test runs inside a
# transaction, and PostgreSQL's lock timeout is a session setting, not a query.
_NOT_COUNTED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET LOCAL")


def counted(sql: str) -> bool:
    return not sql.lstrip().upper().startswith(_NOT_COUNTED)


@contextmanager
def assert_queries(expected: int) -> Iterator[CaptureQueriesContext]:
    """Fail unless the block sends exactly `expected` queries (on SQLite and PostgreSQL)."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    sent = [q["sql"] for q in captured.captured_queries if counted(q["sql"])]
    listing = "\n".join(f"{n}. {sql}" for n, sql in enumerate(sent, start=1))
    assert len(sent) == expected, f"{len(sent)} queries, expected {expected}:\n{listing}"
