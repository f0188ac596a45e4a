"""Mail written to a folder as .eml files: the embedded default, read by people, not servers."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from warren.storage.atomic import write_atomically


class OutboxMailer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # Messages hold addresses and sign-in links: for the owner's eyes only.
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        # The UTC time first so a plain sort lists messages in the order they were sent; the
        # random part keeps two messages of the same microsecond from replacing each other.
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(8)}.eml"
        write_atomically(self.directory / name, message.as_bytes())
