"""Socket authentication: the Django session, or `?token=<API token>` for apps.

The user is found in one trip to the database thread per connection (the token if one is
given, else the session): after a server restart a thousand phones reconnect at once, and
each extra trip is queued behind all the others.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import UserLazyObject, get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware


def _token_of(scope: dict) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return (query.get("token") or [""])[-1][:64]


def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None


@database_sync_to_async
def _resolve_user(scope: dict) -> Any:
    key = _token_of(scope)
    found = _user_for_token(key) if key else None
    # channels' own session lookup, run here in this same trip (its undecorated function).
    return found if found is not None else get_user.func(scope)


class LiveAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        scope = dict(scope)
        user = UserLazyObject()
        user._wrapped = await _resolve_user(scope)
        scope["user"] = user
        return await super().__call__(scope, receive, send)


def LiveAuthStack(inner: Any) -> Any:
    return CookieMiddleware(SessionMiddleware(LiveAuthMiddleware(inner)))
