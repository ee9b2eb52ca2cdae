"""Push committed events to live sockets through the channel layer.

Events are pushed only after their transaction commits; a rolled-back change never
reaches anyone. A socket that missed a push asks the outbox for `after=<id>` on reconnect,
so the push itself may be best-effort.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def topic_group(topic: str) -> str:
    return f"topic.{topic}"


def event_message(event_id: int, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "live.event", "id": event_id, "event_type": event_type, "data": data}


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a dead Redis must not fail the user's request; reconnect replays
        logger.exception("live push to %s failed", group)


def push_after_commit(*, event_id: int, event_type: str, data: dict[str, Any],
                      user_ids: list[int]) -> None:
    """After the caller's transaction commits, push the event to each recipient's group."""
    message = event_message(event_id, event_type, data)

    def push() -> None:
        for user_id in user_ids:
            _send(user_group(user_id), message)

    transaction.on_commit(push)


def publish_topic_after_commit(*, topic: str, event_type: str, data: dict[str, Any]) -> None:
    """Public topics (e.g. a facility's remaining places) carry no personal data and are not
    stored: a reconnecting page reloads the current state instead of replaying them."""
    message = event_message(0, event_type, data)
    transaction.on_commit(lambda: _send(topic_group(topic), message))
