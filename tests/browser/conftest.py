"""Fixtures for the browser suite: Debian's Chromium driven by Playwright's sync API.

Run apart from the other suites (`pytest -m browser`): Playwright's event loop and the
async tests' event loop clash in one pytest run.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A fake camera and microphone, allowed without asking: the video call tests need them,
    # and no other page asks for either.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "visit-demo-2026"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in this folder is a browser test, even if someone forgets the mark."""
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On SQLite the browser suite's test database is a file, not Django's in-memory one.

    With an in-memory database the live server hands one shared connection to all its
    request threads; a page and the request a browser sends beside it (the live socket's
    fallback) then read through the same connection at once, and one of them gets the
    other's rows (an IndexError deep in Django: a flaky 500). With a file each thread opens
    its own connection, and SQLite's own locking (IMMEDIATE, timeout) keeps writes apart.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("browser-db")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, bound to loopback only (its default is 'localhost')."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def _chromium_env() -> dict[str, str]:
    """Under `bin/with-clock` the browser's clock moves with the Python processes' clocks.

    Python processes move theirs with time-machine (bin/moved-clock); Chromium is not Python,
    so libfaketime adds the same offset to its clock (Chromium's timed waits do not hang on it).
    """
    env = dict(os.environ)
    offset = env.get("VISITS_CLOCK_OFFSET")
    if offset:
        if not os.path.exists(LIBFAKETIME):
            raise RuntimeError("a moved clock needs libfaketime: apt-get install faketime")
        sign = "-" if int(offset) < 0 else "+"
        env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME=f"{sign}{abs(int(offset))}s")
    return env


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio event loop running in the test's own (main)
    # thread while the browser is open. Django sees that loop and refuses the test's ORM
    # calls (and the test database's flush between tests) with SynchronousOnlyOperation,
    # although they really are synchronous and nothing else runs on that loop meanwhile.
    # So the check is switched off, but only while the browser is open: the browser suite
    # runs in its own pytest process (`pytest -m browser`), so the async suite keeps it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=_chromium_env()
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized tab with its own cookies."""
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@dataclass
class Demo:
    url: str

    def login(self, page: Page, username: str) -> None:
        page.goto(self.url + "/login/")
        page.fill("#id_login", username)  # allauth: a user name or an email address
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def demo(live_server: LiveServer, transactional_db: None) -> Demo:
    """The demo data of `manage.py seed_demo` (families rosa/linda/carmen, liaison, ...)."""
    call_command("seed_demo", stdout=io.StringIO())
    return Demo(url=live_server.url)


def local_day(session) -> dt.date:
    return session.starts_at.astimezone(session.facility.tz).date()

