"""Django's Redis cache with one connection pool per process, not one per thread.

Django keeps a cache object per thread (and per async context), and its Redis client makes
its connection pool per cache object. Under ASGI each request runs in a thread of its own,
so every request opened a fresh TCP connection to Redis for the throttles' two lookups
(900 connections for 400 requests in `bench/booking_rush.py`'s bare phase). redis-py's
pool and client are thread-safe, so one of each per server is kept for the process.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        server = self._servers[self._get_connection_pool_index(write)]
        client = _clients.get(server)
        if client is None:
            with _clients_lock:
                client = _clients.get(server)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _clients[server] = self._client(connection_pool=pool)
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
