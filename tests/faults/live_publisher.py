"""Writes events through the outbox for the live fault tests, as the app does (a separate
process on the same database and channel layer, like a task worker).

    python tests/faults/live_publisher.py users N
    python tests/faults/live_publisher.py emit USER_IDS COUNT GAP
    python tests/faults/live_publisher.py late USER_IDS

Prints JSON on one line.
"""

from __future__ import annotations

import json
import sys
import time

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from notifications.models import Delivery, Event  # noqa: E402
from notifications.services import event_emit  # noqa: E402


def users(count: int) -> list[dict]:
    out = []
    for _ in range(count):
        user = get_user_model().objects.create_user(
            username=f"phone{get_user_model().objects.count()}", password="pw-12345678")
        out.append({"id": user.pk, "token": Token.objects.create(user=user).key})
    return out


def emit(user_ids: list[int], count: int, gap: float) -> list[int]:
    people = list(get_user_model().objects.filter(pk__in=user_ids))
    ids = []
    for i in range(count):
        with transaction.atomic():
            ids.append(event_emit(type="test.note", title=f"note {i}", recipients=people,
                                  external=False).pk)
        time.sleep(gap)
    return ids


def late(user_ids: list[int]) -> list[int]:
    """An event that becomes visible after a newer one was delivered, and rings nobody:
    what a transaction that took its id first and committed last (its doorbell lost too)
    looks like to a reader. The id is taken and left unused first (ids are never reused),
    then written, with its deliveries, after the newer event has gone out."""
    with transaction.atomic():
        taken = Event.objects.create(type="test.note", title="placeholder")
        older_id = taken.pk
        taken.delete()
    newer = emit(user_ids, 1, 0)[0]
    time.sleep(1)  # the newer one reaches the phones first
    with transaction.atomic():
        older = Event.objects.create(pk=older_id, type="test.note", title="committed late")
        Delivery.objects.bulk_create(Delivery(event=older, user_id=u) for u in user_ids)
    return [older_id, newer]


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "users":
        result: object = users(int(args[0]))
    elif command == "emit":
        result = emit([int(i) for i in args[0].split(",")], int(args[1]), float(args[2]))
    else:
        result = late([int(i) for i in args[0].split(",")])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
