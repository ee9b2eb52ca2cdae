"""The call's signalling socket at /ws/call/<booking id>/.

A route of its own rather than frames on /ws/live/: the live socket is one per person and
carries the outbox (tiny frames, fan-out to thousands, tuned for that), while a call's socket
lives only on the call page, carries session descriptions of several kilobytes, and is let
in per booking. Keeping them apart leaves the live socket's hot path untouched.

The server never sees the picture or the sound: it checks who may join and when, records
joins and leaves, and relays offers, answers and network candidates between the peers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from calls import selectors, services
from calls.protocol import BadFrame, Frame, parse_frame
from scheduler.errors import DomainError

# Close codes the page reads: refused (with the error frame before), ended, time over.
REFUSED, ENDED = 4403, 4000


def _language(scope: dict[str, Any]) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    asked = dict(p.partition("=")[::2] for p in query.split("&")).get("lang", "")
    known = {code for code, _name in settings.LANGUAGES}
    return asked if asked in known else settings.LANGUAGE_CODE


class CallConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        translation.activate(_language(self.scope))
        self.booking_id = int(self.scope["url_route"]["kwargs"]["booking_id"])
        self.peer = secrets.token_hex(8)
        self.joined = False
        self.last_seq = 0
        await self.accept()
        try:
            joined = await database_sync_to_async(services.call_join)(
                user=self.scope.get("user"), booking_id=self.booking_id, peer=self.peer)
        except DomainError as exc:
            await self._refuse(exc.code, exc.message, REFUSED)
            return
        self.joined, self.ends_at = True, joined.ends_at
        self.group = services.call_group(self.booking_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self._welcome(joined)
        self.timer = asyncio.create_task(self._close_at_end())

    async def _welcome(self, joined: services.Joined) -> None:
        peers = await database_sync_to_async(selectors.peers_on_call)(
            booking_id=self.booking_id, but=self.peer)
        left = max(int((self.ends_at - timezone.now()).total_seconds()), 0)
        # Each socket hears of each peer once: those already here come in `peers`, and a
        # "joined" for one of them (a Redis publish that landed after this socket joined the
        # group) is dropped in call_joined.
        self.known_peers = {p["peer"] for p in peers}
        await self.send_json({"type": "welcome", "peer": self.peer, "role": joined.seat.role,
                              "ends_at": self.ends_at.isoformat(), "seconds_left": left,
                              "peers": peers})
        me = {"peer": self.peer, "role": joined.seat.role, "name": joined.presence.name}
        await self.channel_layer.group_send(self.group, {"type": "call.joined", **me})

    async def _refuse(self, code: str, message: str, close_code: int) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})
        await self.close(code=close_code)

    async def _close_at_end(self) -> None:
        """The server, not the page, ends the call at the session's end."""
        await asyncio.sleep(max((self.ends_at - timezone.now()).total_seconds(), 0))
        await self._refuse("over", _("This call's time is over."), ENDED)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        if not self.joined:
            return
        try:
            frame = parse_frame(text_data)
        except BadFrame as exc:
            await self._error(exc.code, exc.message)
            return
        await self._handle(frame)

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def _handle(self, frame: Frame) -> None:
        if frame.type == "ping":
            await self.send_json({"type": "pong"})
        elif frame.type == "leave":
            await self.close(code=1000)
        elif frame.type == "end":
            await self._end(frame.payload["reason"])
        else:
            await self._relay(frame)

    async def _relay(self, frame: Frame) -> None:
        if timezone.now() >= self.ends_at:
            await self._refuse("over", _("This call's time is over."), ENDED)
            return
        if frame.type in ("offer", "answer") and frame.seq <= self.last_seq:
            await self._error("replayed", _("This offer was already sent; it is ignored."))
            return
        reachable = await database_sync_to_async(selectors.peer_reachable)(
            booking_id=self.booking_id, peer=frame.to)
        if not reachable:
            await self._stopped_or_gone(frame.to)
            return
        if frame.seq:
            self.last_seq = frame.seq
        await self.channel_layer.group_send(self.group, {
            "type": "call.signal", "kind": frame.type, "to": frame.to, "from": self.peer,
            "payload": frame.payload})

    async def _stopped_or_gone(self, peer: str) -> None:
        reason = await database_sync_to_async(selectors.call_ended_reason)(
            booking_id=self.booking_id)
        if reason is not None:
            await self.call_ended({"reason": reason})
        else:
            await self._error("no_such_peer", _("That person is not on this call."))

    async def _end(self, reason: str) -> None:
        try:
            await database_sync_to_async(services.call_end)(
                user=self.scope["user"], booking_id=self.booking_id, reason=reason)
        except DomainError as exc:
            message = next(iter(exc.fields.get("reason", [])), exc.message)
            await self._error(exc.code, message)

    # Messages from the group (any process).

    async def call_joined(self, event: dict[str, Any]) -> None:
        known = getattr(self, "known_peers", set())
        if event["peer"] != self.peer and event["peer"] not in known:
            known.add(event["peer"])
            await self.send_json({"type": "joined", "peer": event["peer"],
                                  "role": event["role"], "name": event["name"]})

    async def call_left(self, event: dict[str, Any]) -> None:
        if event["peer"] != self.peer:
            await self.send_json({"type": "left", "peer": event["peer"]})

    async def call_signal(self, event: dict[str, Any]) -> None:
        if event["to"] == self.peer:
            await self.send_json({"type": event["kind"], "from": event["from"],
                                  **event["payload"]})

    async def call_ended(self, event: dict[str, Any]) -> None:
        message = _("Staff ended this call: %(reason)s") % {"reason": event["reason"]}
        await self._refuse("ended", message, ENDED)

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "timer", None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        if not self.joined:
            return
        self.joined = False
        await database_sync_to_async(services.call_leave)(peer=self.peer)
        await self.channel_layer.group_send(self.group, {"type": "call.left", "peer": self.peer})
        await self.channel_layer.group_discard(self.group, self.channel_name)
