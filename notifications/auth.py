"""Socket authentication: the Django session, or `?token=<API token>` for apps."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("token") or [""])[-1]
        user = scope.get("user")
        if key and (user is None or not user.is_authenticated):
            found = await _user_for_token(key[:64])
            if found is not None:
                scope = dict(scope, user=found)
        return await super().__call__(scope, receive, send)


def LiveAuthStack(inner: Any) -> Any:  # noqa: N802 - a middleware factory, named like channels'
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
