"""Reading what warren mailed: the outbox folder, messages to one address, links in them."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from warren.settings import Settings


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def mail_to(settings: Settings, address: str) -> list[EmailMessage]:
    outbox: Path = settings.outbox_dir
    # File names start with the time they were written, to the microsecond.
    found = [parse(path.read_bytes()) for path in sorted(outbox.glob("*.eml"))]
    return [message for message in found if message["To"] == address]


def mail_from(settings: Settings, address: str, domain: str) -> EmailMessage:
    """The one message to ``address`` sent from the brand at ``domain``.

    Workers send on several threads, so two brands' messages arrive in either order.
    """
    found = [m for m in mail_to(settings, address) if m["From"].addresses[0].domain == domain]
    assert len(found) == 1, [m["From"] for m in mail_to(settings, address)]
    return found[0]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """The path and query of the one link to ``path`` in the message (hosts differ in tests)."""
    found = re.findall(rf"https://[^/\s]+({re.escape(path)}\?token=\S+)", text_of(message))
    assert len(found) == 1, text_of(message)
    return str(found[0])
