"""The call's signalling frames, checked before anything is relayed.

A client sends JSON objects:
  {"type": "offer",  "to": <peer>, "seq": <int, rising>, "sdp": <text>}
  {"type": "answer", "to": <peer>, "seq": <int, rising>, "sdp": <text>}
  {"type": "ice",    "to": <peer>, "candidate": {"candidate": <text>, "sdpMid": <text|null>,
                                                 "sdpMLineIndex": <int|null>}}
  {"type": "leave"}
  {"type": "end", "reason": <text>}        (staff only)
  {"type": "ping"}
The server adds "from" itself: a browser cannot speak for another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from scheduler.inputs import InputRejected, loads_bounded

# An SDP with audio, video and a few dozen candidates is ~6-12 KB; leave room, refuse floods.
MAX_FRAME_BYTES = 65_536
MAX_SDP_CHARS = 60_000
MAX_CANDIDATE_CHARS = 1_000
PEER_CHARS = 32
TYPES = ("offer", "answer", "ice", "leave", "end", "ping")


class BadFrame(ValueError):
    def __init__(self, message: str, code: str = "bad_message") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Frame:
    type: str
    to: str = ""
    seq: int = 0
    payload: dict[str, Any] = field(default_factory=dict)


def parse_frame(text: str | None) -> Frame:
    """One client frame, checked; BadFrame says what is wrong with it."""
    if text is None:
        raise BadFrame(_("Binary messages are not accepted."))
    try:
        content = loads_bounded(text, max_bytes=MAX_FRAME_BYTES, max_depth=4)
    except InputRejected as exc:
        raise BadFrame(str(exc.message)) from None
    if not isinstance(content, dict) or content.get("type") not in TYPES:
        raise BadFrame(_("Unknown message type."))
    kind = content["type"]
    if kind in ("offer", "answer"):
        return _description(kind, content)
    if kind == "ice":
        return Frame("ice", to=_peer(content), payload={"candidate": _candidate(content)})
    if kind == "end":
        reason = content.get("reason")
        return Frame("end", payload={"reason": reason if isinstance(reason, str) else ""})
    return Frame(kind)


def _description(kind: str, content: dict[str, Any]) -> Frame:
    sdp, seq = content.get("sdp"), content.get("seq")
    if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_CHARS:
        raise BadFrame(_("The session description is missing or not valid."))
    if type(seq) is not int or not 0 < seq < 2**31:
        raise BadFrame(_("Each offer and answer needs a rising number (seq)."))
    return Frame(kind, to=_peer(content), seq=seq, payload={"sdp": sdp})


def _peer(content: dict[str, Any]) -> str:
    to = content.get("to")
    if not isinstance(to, str) or not to.isalnum() or not 0 < len(to) <= PEER_CHARS:
        raise BadFrame(_("Say whom the message is for (to)."))
    return to


def _candidate(content: dict[str, Any]) -> dict[str, Any]:
    raw = content.get("candidate")
    if not isinstance(raw, dict):
        raise BadFrame(_("The network candidate is missing."))
    text, mid, index = raw.get("candidate"), raw.get("sdpMid"), raw.get("sdpMLineIndex")
    if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
        raise BadFrame(_("The network candidate is not valid."))
    if mid is not None and (not isinstance(mid, str) or len(mid) > 64):
        raise BadFrame(_("The network candidate is not valid."))
    if index is not None and (type(index) is not int or not 0 <= index < 64):
        raise BadFrame(_("The network candidate is not valid."))
    return {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
