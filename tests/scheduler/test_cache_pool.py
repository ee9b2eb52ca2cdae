"""The Redis cache (the API's throttles) keeps one connection pool per process.

Under ASGI every request runs in a thread of its own, and Django builds a cache object per
thread; with Django's own Redis client each of them opened its own connection. Here ten
"requests" in ten threads against a private redis-server must share the process's pool.
"""

from __future__ import annotations

import threading
from pathlib import Path

import redis

from scheduler.cache import SharedPoolRedisCache
from tests.procs import Redis


def test_requests_in_their_own_threads_share_one_redis_connection_pool(tmp_path: Path) -> None:
    server = Redis(tmp_path)
    server.start()
    try:
        counted = redis.Redis.from_url(server.url)
        before = counted.info("stats")["total_connections_received"]

        def one_request(n: int) -> None:
            # A fresh cache object, as each request's thread gets one.
            cache = SharedPoolRedisCache(server.url, {"KEY_PREFIX": "pool-test"})
            cache.set(f"throttle-{n}", [n], 60)
            assert cache.get(f"throttle-{n}") == [n]

        for n in range(10):
            thread = threading.Thread(target=one_request, args=(n,))
            thread.start()
            thread.join()

        opened = counted.info("stats")["total_connections_received"] - before
        assert opened <= 1  # one pooled connection, reused by every thread in turn
    finally:
        server.stop()


def test_each_requests_cache_object_uses_the_processs_one_client() -> None:
    """Building Django's Redis client reads redis-py's package metadata from disk; a cache
    object per request must not build one each time."""
    first = SharedPoolRedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "a"})
    second = SharedPoolRedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "a"})
    elsewhere = SharedPoolRedisCache("redis://127.0.0.1:1/1", {"KEY_PREFIX": "a"})

    assert first is not second
    assert first._cache is second._cache
    assert elsewhere._cache is not first._cache  # another server keeps its own


def test_every_lookup_goes_through_one_redis_client_per_pool(tmp_path: Path) -> None:
    """Django's client wraps the pool in a new `redis.Redis` at every get and set; the shared
    one keeps it, and still reaches the right server and keeps what was set."""
    server = Redis(tmp_path)
    server.start()
    try:
        cache = SharedPoolRedisCache(server.url, {"KEY_PREFIX": "one-client"})
        reader = cache._cache.get_client("k")
        writer = cache._cache.get_client("k", write=True)
        cache.set("k", {"n": 1}, 60)
        assert cache.get("k") == {"n": 1}
        assert cache._cache.get_client("k") is reader
        assert cache._cache.get_client("other", write=True) is writer
        assert reader.connection_pool is cache._cache._get_connection_pool(False)
    finally:
        server.stop()
