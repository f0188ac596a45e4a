"""Building the messages warren sends."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid

# 7-bit transfer encodings (quoted-printable or base64 for non-ASCII text) so that a relay
# without 8BITMIME passes the message on unchanged.
_POLICY = default.clone(cte_type="7bit")


def build_message(
    *,
    from_address: str,
    from_name: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """A plain-text message, with an HTML alternative when ``html`` is given.

    Header values containing a line break raise ValueError (the policy refuses them), so a
    subject or name taken from user input cannot add headers.
    """
    sender = Address(display_name=from_name, addr_spec=from_address)
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    # UTC, so the header does not tell recipients where the server is.
    message["Date"] = format_datetime(datetime.now(UTC))
    # The sender's domain, not the host name make_msgid would look up and reveal.
    message["Message-ID"] = make_msgid(domain=sender.domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message
