"""PostgreSQL unreachable (DATABASE_URL at a closed port): the API answers a quick 503 JSON
with Retry-After, pages a short translated "try again in a minute" page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.procs import Daphne, free_port, sqlite_env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    closed = free_port()  # nothing listens here
    env = sqlite_env(tmp_path / "unused.sqlite3",
                     DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed}/nowhere")
    daphne = Daphne(env, tmp_path / "daphne.log")
    try:
        yield f"http://127.0.0.1:{daphne.port}"
    finally:
        daphne.stop()


def timed(call) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def test_the_api_answers_503_json_with_retry_after_within_seconds(server: str) -> None:
    client = httpx.Client(base_url=server, timeout=30,
                          headers={"Authorization": "Token 0123456789abcdef"})
    for call in (lambda: client.get("/api/v1/me/"),
                 lambda: client.post("/api/v1/bookings/", json={"session_id": 1},
                                     headers={"Idempotency-Key": "k1"})):
        response, seconds = timed(call)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["Retry-After"].isdigit()
        body = response.json()
        assert body["code"] == "unavailable" and body["message"]
        assert seconds < 3


def test_a_page_says_try_again_in_a_minute_in_the_readers_language(server: str) -> None:
    client = httpx.Client(base_url=server, timeout=30, cookies={"sessionid": "x" * 32})
    response, seconds = timed(lambda: client.get("/", headers={"Accept-Language": "es"}))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "Inténtelo de nuevo en un minuto" in response.text
    assert seconds < 3
