"""Mail: messages, the outbox folder, and SMTP against a real server (aiosmtpd) started here."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import smtplib
import socket
import ssl
import stat
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from warren.mail.factory import open_mailer
from warren.mail.message import build_message
from warren.mail.outbox import OutboxMailer
from warren.mail.smtp import SmtpMailer

FROM = "noreply@songs.example"
TO = "user@example.org"
# Non-ASCII in names, subject and bodies: it must survive the transfer encodings intact.
# Joined rather than written with "\n", which ruff would read as a word mixing scripts.
TEXT = "\n".join(["Здравствуйте!", "Ваш код: 4821", ""])
HTML = "<p>Здравствуйте!</p><p>Ваш код: <b>4821</b></p>\n"


def _message(**overrides: str) -> EmailMessage:
    fields = {
        "from_address": FROM,
        "from_name": "Песни «Нота»",
        "to": TO,
        "subject": "Ваш код входа: 4821",
        "text": TEXT,
        "html": HTML,
        "reply_to": "help@songs.example",
    } | overrides
    return build_message(**fields)


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _assert_is_the_sample_message(received: EmailMessage) -> None:
    assert received["From"].addresses[0].display_name == "Песни «Нота»"
    assert received["From"].addresses[0].addr_spec == FROM
    assert received["To"] == TO
    assert received["Reply-To"] == "help@songs.example"
    assert received["Subject"] == "Ваш код входа: 4821"
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert plain.get_content() == TEXT
    assert html.get_content() == HTML


# --- a real SMTP server -----------------------------------------------------------------


class _Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses chosen recipients."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.envelopes: list[Envelope] = []
        self.logins: list[LoginPassword] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data)
        ok = data == LoginPassword(b"alice", b"p@ss/w0rd")
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


StartServer = Callable[..., int]


@pytest.fixture
def start_smtp() -> Iterator[StartServer]:
    """Starts an SMTP server on 127.0.0.1 with the given handler and options; returns its port."""
    controllers: list[Controller] = []

    def start(handler: _Inbox, **options: Any) -> int:
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **options)
        controller.start()
        controllers.append(controller)
        return controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def tls_contexts(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh self-signed certificate for 127.0.0.1, and a client
    context that trusts exactly that certificate and still checks the host name."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "warren test SMTP")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


# --- messages ---------------------------------------------------------------------------


def test_message_has_the_headers_and_both_bodies() -> None:
    message = _message()

    _assert_is_the_sample_message(_parse(message.as_bytes()))
    assert message["Message-ID"].endswith("@songs.example>")
    sent = parsedate_to_datetime(message["Date"])
    assert abs(dt.datetime.now(dt.UTC) - sent) < dt.timedelta(minutes=1)


def test_message_ids_are_unique() -> None:
    assert _message()["Message-ID"] != _message()["Message-ID"]


def test_message_without_html_or_reply_to_is_plain_text() -> None:
    message = build_message(from_address=FROM, from_name="Songs", to=TO, subject="Hi", text="Hi")

    assert message.get_content_type() == "text/plain"
    assert message["Reply-To"] is None


def test_message_is_seven_bit_even_with_non_ascii_text() -> None:
    assert _message().as_bytes().isascii()


@pytest.mark.parametrize(
    "field", ["subject", "from_name", "to", "reply_to"], ids=lambda field: field
)
def test_a_line_break_in_a_header_value_cannot_add_headers(field: str) -> None:
    with pytest.raises(ValueError, match=r"(may not|cannot) contain (linefeed|CR)"):
        _message(**{field: "x@example.org\r\nBcc: victim@example.org"})


def test_a_malformed_sender_address_is_refused() -> None:
    with pytest.raises(ValueError, match="addr-spec"):
        _message(from_address="not an address")


# --- outbox -----------------------------------------------------------------------------


def test_outbox_writes_a_parseable_eml_file(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"

    OutboxMailer(outbox).send(_message())

    [written] = list(outbox.iterdir())
    assert written.suffix == ".eml"
    _assert_is_the_sample_message(_parse(written.read_bytes()))
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_outbox_file_names_sort_in_sending_order(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    subjects = [f"message {i}" for i in range(5)]

    for subject in subjects:
        mailer.send(_message(subject=subject))

    files = sorted((tmp_path / "outbox").iterdir())
    assert [_parse(f.read_bytes())["Subject"] for f in files] == subjects
    assert all(f.suffix == ".eml" for f in files)  # no temporary file left behind


# --- SMTP -------------------------------------------------------------------------------


def test_smtp_delivers_the_message(start_smtp: StartServer) -> None:
    inbox = _Inbox()
    port = start_smtp(inbox)

    SmtpMailer("127.0.0.1", port).send(_message())

    [envelope] = inbox.envelopes
    assert envelope.mail_from == FROM
    assert envelope.rcpt_tos == [TO]
    assert isinstance(envelope.content, bytes)
    _assert_is_the_sample_message(_parse(envelope.content))


def test_smtp_starttls_then_login_delivers(
    start_smtp: StartServer, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_tls, client_tls = tls_contexts
    inbox = _Inbox()
    # The server refuses mail before STARTTLS and AUTH outside TLS, so delivery proves both.
    port = start_smtp(
        inbox, tls_context=server_tls, require_starttls=True, authenticator=inbox.authenticate
    )
    mailer = SmtpMailer(
        "127.0.0.1", port, "alice", "p@ss/w0rd", starttls=True, ssl_context=client_tls
    )

    mailer.send(_message())

    assert inbox.logins == [LoginPassword(b"alice", b"p@ss/w0rd")]
    [envelope] = inbox.envelopes
    assert isinstance(envelope.content, bytes)
    _assert_is_the_sample_message(_parse(envelope.content))


def test_smtp_starttls_checks_the_certificate(
    start_smtp: StartServer, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    server_tls, _ = tls_contexts
    inbox = _Inbox()
    port = start_smtp(inbox, tls_context=server_tls, require_starttls=True)

    # The default context does not trust the test's self-signed certificate.
    with pytest.raises(ssl.SSLCertVerificationError):
        SmtpMailer("127.0.0.1", port, starttls=True).send(_message())
    assert inbox.envelopes == []


def test_smtp_refuses_to_send_in_clear_when_starttls_is_missing(start_smtp: StartServer) -> None:
    inbox = _Inbox()
    port = start_smtp(inbox, authenticator=inbox.authenticate, auth_require_tls=False)

    with pytest.raises(smtplib.SMTPNotSupportedError):
        SmtpMailer("127.0.0.1", port, "alice", "p@ss/w0rd", starttls=True).send(_message())
    assert inbox.logins == []
    assert inbox.envelopes == []


def test_smtp_wrong_password_raises_and_sends_nothing(start_smtp: StartServer) -> None:
    inbox = _Inbox()
    port = start_smtp(inbox, authenticator=inbox.authenticate, auth_require_tls=False)

    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpMailer("127.0.0.1", port, "alice", "wrong").send(_message())
    assert inbox.envelopes == []


def test_smtp_a_refused_recipient_is_an_error(start_smtp: StartServer) -> None:
    inbox = _Inbox(refuse=frozenset({"gone@example.org"}))
    port = start_smtp(inbox)
    message = _message()
    message.replace_header("To", f"{TO}, gone@example.org")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        SmtpMailer("127.0.0.1", port).send(message)
    assert list(caught.value.recipients) == ["gone@example.org"]


def test_smtp_username_without_password_is_refused() -> None:
    with pytest.raises(ValueError, match="together"):
        SmtpMailer("127.0.0.1", 25, username="alice")


# --- factory ----------------------------------------------------------------------------


def test_factory_defaults_to_the_outbox(tmp_path: Path) -> None:
    mailer = open_mailer(None, tmp_path / "outbox")

    assert isinstance(mailer, OutboxMailer)
    assert mailer.directory == tmp_path / "outbox"


def test_factory_reads_host_port_and_starttls(tmp_path: Path) -> None:
    mailer = open_mailer("smtp://mail.example:587?starttls=true", tmp_path)

    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.starttls) == ("mail.example", 587, True)
    assert mailer.username is None


def test_factory_starttls_is_off_by_default(tmp_path: Path) -> None:
    mailer = open_mailer("smtp://127.0.0.1:2525", tmp_path)

    assert isinstance(mailer, SmtpMailer)
    assert mailer.starttls is False


def test_factory_credentials_are_percent_decoded_and_used(
    start_smtp: StartServer, tmp_path: Path
) -> None:
    inbox = _Inbox()
    port = start_smtp(inbox, authenticator=inbox.authenticate, auth_require_tls=False)

    open_mailer(f"smtp://alice:p%40ss%2Fw0rd@127.0.0.1:{port}", tmp_path).send(_message())

    assert inbox.logins == [LoginPassword(b"alice", b"p@ss/w0rd")]
    assert len(inbox.envelopes) == 1


SECRET_IN_URL = "hunter2secret"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "scheme"),
        ("mail.example:25", "scheme"),
        (f"smtps://alice:{SECRET_IN_URL}@mail.example:465", "scheme"),
        (f"http://alice:{SECRET_IN_URL}@mail.example:25", "scheme"),
        (f"smtp://alice:{SECRET_IN_URL}@:25", "host"),
        (f"smtp://alice:{SECRET_IN_URL}@mail.example", "port"),
        (f"smtp://alice:{SECRET_IN_URL}@mail.example:smtp", "port"),
        (f"smtp://alice:{SECRET_IN_URL}@[mail.example:25", "port"),
        (f"smtp://:{SECRET_IN_URL}@mail.example:25", "user and password"),
        ("smtp://alice@mail.example:25", "user and password"),
        (f"smtp://alice:{SECRET_IN_URL}@mail.example:25/path", "path"),
        (f"smtp://alice:{SECRET_IN_URL}@mail.example:25?starttls=yes", "starttls"),
        (f"smtp://alice:{SECRET_IN_URL}@mail.example:25?tls=true", "tls"),
        (f"smtp://alice:{SECRET_IN_URL}@mail.example:25?starttls", "name=value"),
    ],
)
def test_factory_rejects_malformed_urls_without_echoing_them(
    tmp_path: Path, url: str, reason: str
) -> None:
    with pytest.raises(ValueError, match="WARREN_MAIL_URL") as caught:
        open_mailer(url, tmp_path)

    assert reason in str(caught.value)
    assert SECRET_IN_URL not in str(caught.value)
