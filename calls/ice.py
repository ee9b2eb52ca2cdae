"""The STUN/TURN servers a call page hands its browser.

TURN credentials are made per page from a secret shared with coturn (its `use-auth-secret`,
the "TURN REST API"): username `<expiry unix time>:<user id>`, password
base64(HMAC-SHA1(secret, username)). The secret stays on the server, and a password copied
from a page stops working when that call's slot ends.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

from django.conf import settings


def turn_credentials(*, secret: str, user_id: int, until: dt.datetime) -> dict[str, str]:
    username = f"{int(until.timestamp())}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode()}


def ice_servers(*, user_id: int, until: dt.datetime) -> list[dict[str, object]]:
    """RTCPeerConnection's `iceServers`; empty on one machine (the browsers connect directly)."""
    servers: list[dict[str, object]] = []
    if settings.CALL_STUN_URLS:
        servers.append({"urls": settings.CALL_STUN_URLS})
    if settings.CALL_TURN_URLS and settings.CALL_TURN_SECRET:
        servers.append({"urls": settings.CALL_TURN_URLS, **turn_credentials(
            secret=settings.CALL_TURN_SECRET, user_id=user_id, until=until)})
    return servers
