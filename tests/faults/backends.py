"""Mail backends for the sender fault test (named by EMAIL_BACKEND in a subprocess)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class HangingBackend(BaseEmailBackend):
    """Says it got the message (a mark file), then never answers: the test kills it here."""

    def send_messages(self, email_messages: Any) -> int:
        Path(os.environ["CLAIM_MARK"]).touch()
        time.sleep(600)
        return 0


class FileLogBackend(BaseEmailBackend):
    """One line per message sent: its Message-ID and recipient."""

    def send_messages(self, email_messages: Any) -> int:
        with Path(os.environ["SENT_LOG"]).open("a") as log:
            for message in email_messages:
                log.write(f"{message.extra_headers.get('Message-ID')} {message.to[0]}\n")
        return len(email_messages)
