"""Django's ASGI handler with the whole request in one hop to a thread.

Django's own ASGI handler runs the middleware chain in async mode where it can: each async
middleware built on `MiddlewareMixin` calls its `process_request` and `process_response`
through `sync_to_async`, a sync-only middleware below it sends the chain back through
`async_to_sync`, and the sync view takes one more hop. With our middleware list that is eight
crossings between the event loop and a thread per request, each a context switch; on the
bare authenticated endpoint they were a fifth of its time (bench/README.md).

This handler loads the chain in sync mode, as the WSGI handler does, and runs it, view
included, in a single `sync_to_async` call: three crossings per request with Django's own
request_started signal and response close around it (tests/scheduler/test_asgi_hops.py).
Everything else (reading the body, the request signals, streaming the response, client
disconnects) stays Django's own.

Requests run on a fixed set of threads (settings.SERVER_THREADS per process), one request
at a time on each, as a threaded WSGI server would run them. Django's handler gives every
request a thread of its own, made and joined for it: under a rush that is a hundred threads
taking turns at the interpreter lock and a hundred database connections asked of the pool
(which then answers 503). Here a request waits on the event loop for a free thread, and
each thread keeps its database connection from one request to the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import django
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
    def __init__(self, threads: int = 4) -> None:
        super().__init__()
        # One worker each: asgiref sends all of a request's thread-sensitive calls (the
        # request signals, the chain, the response's close) to its context's executor.
        self._threads = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
                         for _ in range(threads)]
        self._free: asyncio.Queue[ThreadPoolExecutor] | None = None
        self._free_loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        free = self._free_threads()
        thread = await free.get()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            free.put_nowait(thread)

    def _free_threads(self) -> asyncio.Queue[ThreadPoolExecutor]:
        # Made inside the event loop that serves (a server has one; tests start several,
        # one after the other, and a queue cannot wait in a loop other than its first).
        loop = asyncio.get_running_loop()
        if self._free is None or self._free_loop is not loop:
            self._free, self._free_loop = asyncio.Queue(), loop
            for thread in self._threads:
                self._free.put_nowait(thread)
        return self._free

    def load_middleware(self, is_async: bool = False) -> None:
        # The chain is synchronous whatever Django asks: it runs in the one hop below.
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # `get_response` is the WSGI path: it sets the URL conf, runs the chain and the view,
        # logs 4xx/5xx, and closes the request with the response. thread_sensitive keeps
        # the ORM on the request's own thread (Django gives each request its own context).
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


def one_hop_asgi_application() -> OneHopASGIHandler:
    """What `django.core.asgi.get_asgi_application` does, with the one-hop handler."""
    django.setup(set_prefix=False)
    return OneHopASGIHandler(threads=settings.SERVER_THREADS)
