"""Django's Redis cache with one client (and so one connection pool) per process, not one
per request.

Django keeps a cache object per thread and per async context, so under ASGI every request
builds a cache object of its own, and with it Django's Redis client: a fresh connection pool
(a new TCP connection to Redis for the throttles' lookups: 900 connections for 400 requests
in `bench/booking_rush.py`'s bare phase) and redis-py's driver info, which reads the package's
metadata from disk (4 % of a server's CPU under a booking rush, measured with py-spy).
redis-py's pool and client are thread-safe, so the process keeps one client per server list
and options, and every cache object uses it.

Django's client also builds a new `redis.Redis` around the pool for every get and set; its
constructor alone cost about 0.4 ms (a third of a millisecond per throttle lookup, three per
API request, under cProfile). A `redis.Redis` holds no connection of its own (it takes one
from the pool for each command), so the shared client keeps one per pool.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_clients: dict[tuple[tuple[str, ...], str], RedisCacheClient] = {}
_clients_lock = threading.Lock()


class _OneRedisPerPoolClient(RedisCacheClient):
    """Django's Redis cache client that builds its `redis.Redis` once per pool."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._redis_by_pool: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._redis_by_pool.get(index)
        if client is None:
            with _clients_lock:
                client = self._redis_by_pool.get(index)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = self._redis_by_pool[index] = self._client(connection_pool=pool)
        return client


def _shared_client(servers: list[str], options: dict[str, Any]) -> RedisCacheClient:
    key = (tuple(servers), repr(sorted(options.items())))
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _OneRedisPerPoolClient(servers, **options)
    return client


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        return _shared_client(self._servers, self._options)
