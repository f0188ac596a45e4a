"""The interface every mail backend honours."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message on for delivery, or raise; never drop it silently."""
