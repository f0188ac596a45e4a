"""Choosing the mailer from WARREN_MAIL_URL.

Unset: .eml files in the outbox folder. ``smtp://[user:pass@]host:port[?starttls=true]``:
an SMTP server; user and password are percent-decoded.

Error messages never repeat the URL: it may hold the password.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from warren.mail.base import Mailer
from warren.mail.outbox import OutboxMailer
from warren.mail.smtp import SmtpMailer

_BOOLEANS = {"true": True, "false": False}


def _invalid(reason: str) -> ValueError:
    return ValueError(f"WARREN_MAIL_URL is malformed: {reason}")


def open_mailer(url: str | None, outbox_dir: Path) -> Mailer:
    if url is None:
        return OutboxMailer(outbox_dir)
    if not url.startswith("smtp://"):
        raise _invalid("the scheme must be smtp:// (unset it for the outbox folder)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _invalid("the host and port must look like host:587") from None
    if not parts.hostname:
        raise _invalid("the host is missing")
    if not port:
        raise _invalid("the port is missing: smtp://host:port")
    if parts.path not in ("", "/") or parts.fragment:
        raise _invalid("an SMTP URL takes no path or fragment")
    if bool(parts.username) != bool(parts.password):
        raise _invalid("give both user and password (user:pass@) or neither")
    return SmtpMailer(
        parts.hostname,
        port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=_starttls(parts.query),
    )


def _starttls(query: str) -> bool:
    try:
        options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        raise _invalid("the query must be name=value pairs joined by '&'") from None
    unknown = sorted(options.keys() - {"starttls"})
    if unknown:
        raise _invalid(f"unknown option(s) {', '.join(unknown)}; known: starttls")
    value = options.get("starttls", "false")
    try:
        return _BOOLEANS[value.lower()]
    except KeyError:
        raise _invalid("starttls must be true or false") from None
