"""One event for many people: email/SMS tasks go out in batches, and the live push to a
Redis pub/sub layer goes out pipelined, each group once, nobody missed."""

from __future__ import annotations

import asyncio
import os
import socket

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.core import mail
from django.db import transaction
from django.tasks import default_task_backend
from django.test import override_settings

from notifications import live
from notifications.models import Delivery
from notifications.services import EXTERNAL_BATCH, event_emit
from tests import factories as f

pytestmark = pytest.mark.django_db


@override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}},
)
def test_an_event_for_many_people_enqueues_one_task_per_batch(
    django_capture_on_commit_callbacks,
) -> None:
    people = [f.make_user(email=f"p{i}@example.org") for i in range(2 * EXTERNAL_BATCH + 1)]
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_emit(type="test.closure", title="Closed", recipients=people, urgent=True)

    results = default_task_backend.results
    assert len(results) == 3
    ids = [i for r in results for i in r.kwargs["delivery_ids"]]
    assert sorted(ids) == sorted(Delivery.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_emit(type="test.note", title="Just you", recipients=people[:1])
    assert default_task_backend.results[-1].kwargs == {
        "delivery_id": Delivery.objects.latest("pk").pk}


@override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
)
def test_batched_tasks_email_everyone_once(django_capture_on_commit_callbacks) -> None:
    people = [f.make_user(email=f"p{i}@example.org") for i in range(EXTERNAL_BATCH + 3)]
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_emit(type="test.closure", title="Closed", recipients=people, urgent=True)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert not Delivery.objects.filter(emailed_at__isnull=True).exists()


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable() and os.environ.get("CI") != "true",
                    reason="needs Redis on 127.0.0.1:6379 (CI always runs this test)")
def test_pipelined_push_reaches_each_group_once() -> None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    layer = RedisPubSubChannelLayer(hosts=[url], prefix=f"fanout-test-{os.getpid()}")

    async def scenario() -> list[dict]:
        listeners = [await layer.new_channel() for _ in range(3)]
        for index, channel in enumerate(listeners):
            await layer.group_add(f"user.{index}", channel)
        await asyncio.sleep(0.2)  # the subscriptions reach Redis
        sends = [(f"user.{i}", live.event_message(40 + i, "test.note", {"i": i}))
                 for i in range(200)]  # 197 groups nobody listens to
        await live._send_all(layer, sends)
        got = [await asyncio.wait_for(layer.receive(c), timeout=3) for c in listeners]
        for channel in listeners:  # and nothing more
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(layer.receive(channel), timeout=0.3)
        await layer.flush()
        return got

    got = asyncio.run(scenario())
    assert [m["data"]["i"] for m in got] == [0, 1, 2]
    assert [m["id"] for m in got] == [40, 41, 42]
