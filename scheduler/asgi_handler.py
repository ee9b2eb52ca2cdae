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
"""

from __future__ import annotations

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
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
    return OneHopASGIHandler()
