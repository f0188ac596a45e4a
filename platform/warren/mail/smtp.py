"""Mail handed to an SMTP server, one connection per message."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValueError("SMTP username and password go together")
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout = timeout
        # Verifies the server's certificate and host name; pass another to trust a private CA.
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                # Raises when the server does not offer STARTTLS, so neither the password
                # nor the message goes out in clear when encryption was asked for.
                smtp.starttls(context=self.ssl_context)
            if self.username is not None and self._password is not None:
                smtp.login(self.username, self._password)
            refused = smtp.send_message(message)
        # send_message raises only when every recipient is refused; losing some is a failure too.
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
