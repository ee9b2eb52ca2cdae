"""Under ASGI a request crosses from the event loop to a thread once for its work.

Django's own ASGI handler runs async middlewares' request and response halves through
`sync_to_async`, and the sync-only ones below them back through `async_to_sync`: eight
crossings per request with our middleware list. `scheduler.asgi` serves HTTP with the
one-hop handler; these tests count the crossings of real requests through it and Django's.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from asgiref.sync import AsyncToSync, SyncToAsync
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_finished

from scheduler.asgi_handler import OneHopASGIHandler

# The request's work, and Django's own request_started and response.close() around it.
MOST_CROSSINGS = 3


def _counted(call: Any, made: list[Any]) -> Any:
    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(self)
        return call(self, *args, **kwargs)

    return counting


def _crossings(monkeypatch: pytest.MonkeyPatch, app: Any, path: str) -> tuple[int, httpx.Response]:
    made: list[Any] = []
    for crossing in (SyncToAsync, AsyncToSync):
        monkeypatch.setattr(crossing, "__call__", _counted(crossing.__call__, made))

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path, headers={"Accept-Language": "es"})

    response = asyncio.run(get())
    return len(made), response


@pytest.mark.parametrize("path", ["/api/v1/me/", "/a-page-that-is-not-here/"])
def test_a_request_crosses_to_a_thread_once_for_its_work(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    crossings, response = _crossings(monkeypatch, OneHopASGIHandler(), path)
    # Served as ever: the API's JSON answer and the translated page, from the sync chain.
    assert response.status_code in (401, 403, 404)
    assert "es" in response.headers.get("Content-Language", "")
    assert crossings <= MOST_CROSSINGS


def test_djangos_own_handler_crosses_many_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reason for the one-hop handler: if Django's own gets as cheap, drop ours."""
    crossings, response = _crossings(monkeypatch, ASGIHandler(), "/api/v1/me/")
    assert response.status_code in (401, 403)
    assert crossings > MOST_CROSSINGS + 2


def test_the_served_application_uses_the_one_hop_handler() -> None:
    from scheduler.asgi import django_asgi_app

    assert isinstance(django_asgi_app, OneHopASGIHandler)


def test_requests_share_a_fixed_set_of_threads_one_request_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ten requests at once through a handler with two threads: each is answered, all run
    on those two threads, and a request's signals, chain and close share its thread (so its
    database connection is the one its view used)."""
    handler = OneHopASGIHandler(threads=2)
    threads_of: dict[str, set[int]] = {}
    running: list[int] = []
    busiest: list[int] = [0]

    def recording(self: Any, request: Any) -> Any:
        threads_of.setdefault(request.path, set()).add(threading.get_ident())
        running.append(1)
        busiest[0] = max(busiest[0], len(running))
        try:
            time.sleep(0.02)  # long enough for the others to pile up behind
            return original(self, request)
        finally:
            running.pop()

    def on_finished(**_: Any) -> None:
        finished_on.add(threading.get_ident())

    original = OneHopASGIHandler.get_response
    monkeypatch.setattr(OneHopASGIHandler, "get_response", recording)
    finished_on: set[int] = set()
    request_finished.connect(on_finished)

    async def get_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=handler)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await asyncio.gather(*(client.get(f"/api/v1/me/?n={n}") for n in range(10)))

    try:
        responses = asyncio.run(get_all())
    finally:
        request_finished.disconnect(on_finished)
    assert all(r.status_code in (401, 403) for r in responses)
    used = set().union(*threads_of.values())
    assert len(used) <= 2
    assert busiest[0] == 2  # both threads worked side by side, never a third
    assert finished_on <= used  # close_old_connections ran where the connection was used


def test_one_handler_serves_one_event_loop_after_another() -> None:
    """The served application outlives any one event loop in the tests (each `asyncio.run`
    is a new one): requests queued for its threads in a later loop are still answered."""
    handler = OneHopASGIHandler(threads=1)

    async def three_at_once() -> list[int]:
        transport = httpx.ASGITransport(app=handler)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            answers = await asyncio.gather(*(client.get("/api/v1/me/") for _ in range(3)))
        return [a.status_code for a in answers]

    for _ in range(2):
        assert all(code in (401, 403) for code in asyncio.run(three_at_once()))
