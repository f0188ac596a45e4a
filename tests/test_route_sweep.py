"""Every route of the app, as a signed-in user and as a signed-in tenant admin, with
hostile input: ids that do not exist or belong to someone else (another user, another
brand), values of the wrong type, bodies that are empty, huge, repeated, mis-typed or
not forms at all, and garbage in the query parameters the handlers read (keyset cursors
included). Every answer must be below 500 and carry no traceback; no id of another
brand's (or, for a user, another user's) object may be answered as if it were theirs,
and no page may show such an account's name or address.

The requests are built byte by byte and given to the real ASGI app in process, as the
edge fuzzing in test_web_hardening does: an HTTP client refuses or rewrites most of
them. Each carries a live session and a valid CSRF token, so it gets past the CSRF check
and the sign-in requirement to the handler. A failure names the method, the path, who
sent it and the body, with the file:line in warren where the logged exception arose.

The sweep has a database and runtime of its own: its rate limits are opened wide, so a
request reaches its handler instead of a 429, and what it writes (published brand
configuration included) never reaches the session's other tests.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest
from asgi_call import call
from dramatiq.brokers.stub import StubBroker
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.routes import HTTPRoute
from moderation_world import result, share
from payments_support import start_purchase
from publishing_support import section_values
from sqlalchemy import select, update

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.accounts.sessions import sessions_of, start_session
from warren.admin.accounts import find_admin
from warren.admin.accounts import start_session as start_admin_session
from warren.billing.gateways.demo import SIGNATURE_HEADER, sign
from warren.billing.ledger import grant
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.moderation.shares import share_item
from warren.privacy.policy import policy_version
from warren.publishing.sections import SECTIONS, fields
from warren.rights.deadlines import Jurisdiction
from warren.rights.intake import WEB_VERIFIED, requests_of
from warren.rights.models import RequestChannel, RequestKind, RequestState
from warren.rights.requests import move, open_request
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.tenancy.registry import load_registry
from warren.web import cookies
from warren.web.admin_context import COOKIE as ADMIN_COOKIE
from warren.web.app import FORM_LIMIT, create_app, create_litestar

from admin_support import console
from conftest import migrated_database, serving
from samples import photo
from webclient import BrandClient, new_address, sign_up_and_sign_in
from webclient import field as page_field

ROOT = Path(__file__).resolve().parents[1]
HOME = "vizardio"  # the brand whose user and admin send every request
ELSEWHERE = "songly"  # the brand whose objects they must never reach
WHO = ("user", "admin")
FORM = "application/x-www-form-urlencoded"
# Stands for the persona's CSRF token in a body; replaced when the request is sent.
TOKEN = b"\x00csrf\x00"
NOBODY = uuid.UUID("7f3e9a52-4c1d-4b8e-9f60-2d5c8b1e0a73")
WIDE_OPEN = "100000/minute"
PASSWORD = "correct horse battery"  # what webclient.sign_up gives every account
# Usernames no request ever carries, so a page showing one is not echoing input.
NEIGHBOUR = "bystander7q"
ELSEWHERE_USER = "outsider7q"


# --- the routes, read from the app itself ---------------------------------------------


@dataclass(frozen=True)
class RouteSpec:
    method: str
    # The template as Litestar has it, e.g. /library/{item_id:uuid}/download.
    path: str
    params: tuple[str, ...]
    # Query parameters the handler declares, with the type it declares them as.
    query: tuple[tuple[str, str], ...]
    # Form fields the handler (or a helper of its module it calls) reads by name.
    fields: tuple[str, ...]
    # "user" or "admin" when the handler needs one signed in, "" when it serves anyone.
    needs: str
    raw_body: bool

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


_DEPENDENCY_LIKE = {"self", "request", "body", "data", "state", "scope", "headers", "cookies"}
_FIELD_READS = re.compile(r'(?:\btexts?\(form, |\bform\.get(?:all)?\()"([^"]+)"')
# {name: text(form, name) for name in ("kind", "email")}
_FIELD_LOOPS = re.compile(r"texts?\(form, (\w+)\) for \1 in \(([^)]*)\)")
_SECTION_KEYS = tuple(sorted({f.key for s in SECTIONS for f in fields(s)}))


def handler_source(fn: Callable[..., Any]) -> str:
    """The handler's code and that of the module's helpers it calls (where several
    handlers read their forms), so the fields found are those it reads."""
    # A sync handler is wrapped to run in a thread; the function is kept as .func.
    function = getattr(fn, "func", fn)
    module = inspect.getmodule(function)
    source = inspect.getsource(function)
    for name in set(re.findall(r"\b(_[a-z]\w*)\(", source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper):
            source += inspect.getsource(helper)
    return source


def route_specs(app: Litestar) -> list[RouteSpec]:
    specs: list[RouteSpec] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            signature = handler.parsed_fn_signature.parameters
            dependencies = set(handler.resolve_dependencies())
            source = handler_source(handler.fn)
            read = set(_FIELD_READS.findall(source))
            for names in _FIELD_LOOPS.findall(source):
                read.update(re.findall(r'"([^"]+)"', names[1]))
            if "fields(of)" in source:
                # The configuration sections' forms are built from their field lists.
                read.update(_SECTION_KEYS)
            query = tuple(
                (name, repr(definition.annotation))
                for name, definition in signature.items()
                if name not in dependencies
                and name not in route.path_parameters
                and name not in _DEPENDENCY_LIKE
            )
            needs = "admin" if "admin" in signature else "user" if "user" in signature else ""
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                specs.append(
                    RouteSpec(
                        method=method,
                        path=route.path,
                        params=tuple(route.path_parameters),
                        query=query,
                        fields=tuple(sorted(read)),
                        needs=needs,
                        raw_body="body" in signature,
                    )
                )
    # Pages first: they change nothing, so each sees the world as it was made; then the
    # forms, whose writes (an item deleted, an account blocked) later forms may meet.
    return sorted(specs, key=lambda s: (s.method != "GET", s.path, s.method))


def _collected_routes() -> list[RouteSpec]:
    """The routes at collection time, before any database exists: create_litestar reads
    only the settings and the brand registry while it builds the app (the rest of the
    runtime is used per request), so a stand-in with those two is enough to list them.
    test_the_sweep_covers_every_route checks the list against the real app."""
    settings = Settings()
    stand_in = SimpleNamespace(
        settings=settings,
        registry=load_registry(settings.tenants_file),
        watch_registry=lambda: None,
        close=lambda: None,
    )
    return route_specs(create_litestar(cast(Runtime, stand_in)))


ROUTES = _collected_routes()


# --- hostile values ---------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    label: str
    # As it goes on the wire (percent-encoded where it needs to be).
    raw: str
    # An object the persona must not reach: a 2xx or a redirect onward is a leak.
    foreign: bool = False


def _b64(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


HOSTILE_PATH = [
    Value("a word", "abc"),
    Value("minus one", "-1"),
    Value("a 20-digit number", "9" * 20),
    Value("a NUL byte", "%00"),
    Value("non-UTF-8 escapes", "%ff%fe"),
    Value("an overlong UTF-8 slash", "%c0%af"),
    Value("an escaped surrogate", "%ed%a0%80"),
    Value("3000 characters", "a" * 3000),
    Value("dot segments", "..%2f..%2fetc%2fpasswd"),
    Value("the nil UUID", "00000000-0000-0000-0000-000000000000"),
    Value("a UUID nobody has", str(NOBODY)),
    Value("a UUID without dashes", NOBODY.hex),
    Value("a UUID in braces", f"%7B{NOBODY}%7D"),
    Value("a quote and SQL", "%27%3B--"),
    Value("a script tag", "%3Cscript%3E"),
    Value("unicode", quote("Ωmega☃🎵")),
    Value("a float", "1.5"),
    Value("an exponent", "-1e309"),
]

CURSORS = [
    Value("a cursor of garbage", _b64("garbage")),
    Value("a cursor of non-UTF-8", _b64(b"\xff\xfe\xfd")),
    Value("a cursor with a naive time", _b64(f"2020-01-01T00:00:00|{NOBODY}")),
    Value("a cursor at the end of time", _b64(f"9999-12-31T23:59:59.999999-23:59|{NOBODY}")),
    Value("a cursor before year one in UTC", _b64(f"0001-01-01T00:00:00+23:59|{NOBODY}")),
    Value("a cursor with a bad id", _b64("2020-01-01T00:00:00+00:00|not-an-id")),
    Value("a cursor with a NUL", _b64("2020-01-01T00:00:00+00:00\x00|\x00")),
    Value("one base64 character", "a"),
    Value("base64 padding only", "===="),
]

HOSTILE_QUERY = [
    Value("nothing", ""),
    Value("a word", "abc"),
    Value("minus one", "-1"),
    Value("a 20-digit number", "9" * 20),
    Value("a NUL byte", "%00"),
    Value("non-UTF-8 escapes", "%ff%fe"),
    Value("a broken escape", "%zz%"),
    Value("5000 characters", "x" * 5000),
    Value("an off-site address", "%2F%2Fevil.example"),
    Value("a header break", "%0d%0aX-Injected:%201"),
    Value("NaN", "NaN"),
    Value("unicode", quote("Ωmega☃🎵")),
    Value("an escaped surrogate", "%ed%a0%80"),
]
# Keyset cursors: the parameters that carry one get forged ones as well.
CURSOR_PARAMS = {"after", "before", "made", "paid", "orders_after", "cursor", "page"}
# Flags such as ?saved=1 are compared with a constant: a few values are enough.
FLAG_QUERY = [HOSTILE_QUERY[i] for i in (1, 3, 5, 7)]
FLAGS = {"saved", "sent", "verified", "resent", "reset", "required", "welcome", "done"}

FORM_VALUES = [
    ("a word", "garbage"),
    ("minus one", "-1"),
    ("a 20-digit number", "9" * 20),
    ("an exponent", "1e999"),
    ("NaN", "NaN"),
    ("a NUL byte", "\x00"),
    ("whitespace", " \t "),
    ("markup", "<script>alert(1)</script>"),
    ("SQL", "' OR 1=1 --"),
    ("a path", "../../etc/passwd"),
    ("an off-site address", "//evil.example"),
    ("a header break", "a\r\nX-Injected: 1"),
    ("an impossible date", "9999-99-99"),
    ("yes", "yes"),
    ("unicode", "Ωmega ☃ 🎵 \u202e"),
    ("a UUID nobody has", str(NOBODY)),
]


SMALL_PHOTO = photo(120, 80, artist="Someone <someone@example.com>")
HOSTILE_NAME = "..\\..\\" + "é" * 300 + "\u202egpj.exe.jpg"


def multipart(
    parts: Sequence[tuple[str, str | None, bytes, str | None]], boundary: str = "sweep-boundary"
) -> bytes:
    """A multipart/form-data body of (name, filename, content, content type) parts."""
    out = b""
    for name, filename, content, content_type in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


@dataclass(frozen=True)
class Body:
    label: str
    content_type: str | None
    content: bytes
    token_in_header: bool = True


def form(pairs: Sequence[tuple[str, str]]) -> bytes:
    return urlencode(list(pairs)).encode()


# One field spoiled in an otherwise well-formed form: a value every field shares would
# stop at the first field checked, and never reach the one that breaks.
ONE_BAD = [
    # As they go on the wire: some bytes no text encoder would produce.
    ("a NUL byte", b"%00"),
    ("a 20-digit number", b"9" * 20),
    ("100000 characters", b"x" * 100_000),
    ("bytes that are not UTF-8", b"%ff%ed%a0%80"),
]


def one_bad_field(base: Sequence[tuple[str, str]], names: Sequence[str]) -> list[Body]:
    return [
        Body(
            f"well-formed but {name} = {label}",
            FORM,
            b"&".join(
                part
                for part in (
                    form([(key, value) for key, value in base if key != name]),
                    f"{quote(name)}=".encode() + bad,
                )
                if part
            ),
        )
        for name in names
        for label, bad in ONE_BAD
    ]


def bodies(names: Sequence[str], plausible: dict[str, dict[str, str]]) -> list[Body]:
    # The section forms have their own cases (section_cases), filled as the console does.
    spoiled = [n for n in names if n not in _SECTION_KEYS]
    names = names or ("x",)
    text_parts = [(n, None, b"x", None) for n in names]
    # Without a text part of the same name, so the handler's form.get("file") is the file.
    beside_file = [part for part in text_parts if part[0] != "file"]
    token_part = ("_csrf", None, TOKEN, None)
    huge = min(200_000, (FORM_LIMIT - 64 * 1024) // len(names))
    found = [
        # First: a form that goes through may meet a limit later ones stop at.
        *one_bad_field(list(plausible["valid"].items()), spoiled),
        Body("no body", FORM, b""),
        Body("no fields, the token in the body", FORM, b"_csrf=" + TOKEN, token_in_header=False),
        Body("every field empty", FORM, form([(n, "") for n in names])),
        *(
            Body(f"every field = {label}", FORM, form([(n, v) for n in names]))
            for label, v in FORM_VALUES
        ),
        *(
            Body(f"well-formed ({level})", FORM, form(list(values.items())))
            for level, values in plausible.items()
        ),
        Body(f"every field {huge} characters", FORM, form([(n, "A" * huge) for n in names])),
        Body("every field twice", FORM, form([(n, v) for n in names for v in ("x", "garbage")])),
        Body(
            "bad percent escapes",
            FORM,
            "&".join(f"{n}=%ff%fe%00%zz" for n in names).encode() + b"&%=&=&&",
        ),
        Body("non-UTF-8 bytes", FORM, b"&".join(n.encode() + b"=\xff\xfe\xc0\xaf" for n in names)),
        Body("field names of garbage", FORM, b"%ff=1&\x00=2&" + b"a" * 1000 + b"=3&=4"),
        Body(
            "JSON to a form handler",
            "application/json",
            json.dumps({n: "x" for n in names}).encode(),
        ),
        Body("broken JSON", "application/json", b'{"a": [1, 2'),
        Body(
            "multipart with no file",
            "multipart/form-data; boundary=sweep-boundary",
            multipart([*text_parts, token_part]),
        ),
        Body(
            "multipart with an empty file",
            "multipart/form-data; boundary=sweep-boundary",
            multipart([*beside_file, token_part, ("file", "", b"", "application/octet-stream")]),
        ),
        Body(
            "multipart with a hostile file",
            "multipart/form-data; boundary=sweep-boundary",
            multipart(
                [
                    *beside_file,
                    token_part,
                    ("file", "../../evil.svg", b"<svg onload=alert(1)>\x00\xff", "image/svg+xml"),
                ]
            ),
        ),
        Body(
            "multipart with a photo under a hostile name",
            "multipart/form-data; boundary=sweep-boundary",
            multipart(
                [*beside_file, token_part, ("file", HOSTILE_NAME, SMALL_PHOTO, "image/jpeg")]
            ),
        ),
        Body(
            "multipart with a photo cut short",
            "multipart/form-data; boundary=sweep-boundary",
            multipart(
                [*beside_file, token_part, ("file", "cut.jpg", SMALL_PHOTO[:300], "image/jpeg")]
            ),
        ),
        Body("multipart without a boundary", "multipart/form-data", b"--x\r\n\r\n--x--\r\n"),
        Body(
            "multipart cut short",
            "multipart/form-data; boundary=zzz",
            b'--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb',
        ),
        Body("no content type", None, form([(n, "x") for n in names])),
        Body("plain text", "text/plain", b"hello"),
        Body(
            "a charset nobody has",
            FORM + "; charset=no-such-charset",
            form([(n, "é") for n in names]),
        ),
        Body("over the size limit", FORM, b"a=" + b"x" * (FORM_LIMIT + 16)),
    ]
    return found


# --- the world: a database of its own, people and their things -------------------------


@dataclass(frozen=True)
class Belongings:
    """One account's objects, named as the path parameters that take them."""

    user_id: uuid.UUID
    item_id: uuid.UUID
    job_id: uuid.UUID
    trashed_item_id: uuid.UUID
    upload_id: uuid.UUID
    order_id: uuid.UUID
    payment_id: str
    request_id: uuid.UUID
    session_id: uuid.UUID
    share_token: str


@dataclass
class Persona:
    who: str
    slug: str
    cookies: dict[str, str]
    token: str
    # What signs them in again after a route ended their session.
    login: str

    @property
    def host(self) -> bytes:
        return f"{self.slug}.localhost".encode()

    @property
    def session_cookie(self) -> str:
        return cookies.SESSION if self.who == "user" else ADMIN_COOKIE

    def describe(self) -> str:
        return f"a signed-in {'user' if self.who == 'user' else 'tenant admin'} of {self.slug}"

    def cookie_header(self, path: str) -> bytes:
        # As a browser sends them: the console cookie only under its path.
        sent = {
            k: v for k, v in self.cookies.items() if k != ADMIN_COOKIE or path.startswith("/admin")
        }
        return "; ".join(f"{k}={v}" for k, v in sent.items()).encode()


@dataclass(frozen=True)
class Case:
    label: str
    method: str
    # The path as sent on the wire, percent-escapes and all.
    path: str
    query: bytes = b""
    body: Body | None = None
    accept: bytes = b"text/html,application/xhtml+xml"
    extra_headers: tuple[tuple[bytes, bytes], ...] = ()
    foreign: bool = False


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    logged: list[str]

    def expires(self, name: str) -> bool:
        for key, value in self.headers:
            if key.lower() != b"set-cookie" or not value.startswith(f"{name}=".encode()):
                continue
            text = value.decode("latin-1").lower()
            if text.startswith(f"{name}=;") or "max-age=0" in text:
                return True
        return False


class ErrorLog(logging.Handler):
    """What was logged at ERROR while one request was served, as the key lines of its
    traceback: the frames in warren and the exception itself."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(key_lines(record))


def where(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"  {shown}:{frame.lineno} in {frame.name}: {frame.line}"


def key_lines(record: logging.LogRecord) -> str:
    event = record.msg.get("event") if isinstance(record.msg, dict) else record.getMessage()
    error: BaseException | None = record.exc_info[1] if record.exc_info else None
    if error is None and isinstance(record.msg, dict):
        # structlog hands the event dict to the stdlib record, exc_info still in it.
        candidate = record.msg.get("exc_info")
        error = candidate if isinstance(candidate, BaseException) else None
    if error is None:
        return f"{record.name}: {event}"
    lines = [f"{record.name}: {event}"]
    while error is not None:
        frames = [
            f
            for f in traceback.extract_tb(error.__traceback__)
            if "/platform/warren/" in f.filename or "/workers/" in f.filename
        ]
        lines += [where(f) for f in frames[-4:]]
        lines.append(f"  {type(error).__module__}.{type(error).__qualname__}: {str(error)[:300]}")
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if error is not None:
            lines.append("  caused by / during:")
    return "\n".join(lines)


class InProcess:
    """The real ASGI app, called in process with hand-built requests."""

    def __init__(self, runtime: Runtime) -> None:
        self.app = create_app(runtime)
        self.loop = asyncio.new_event_loop()
        self.errors = ErrorLog()

    def close(self) -> None:
        self.loop.close()

    def send(self, persona: Persona, case: Case) -> Answer:
        raw_path, query = case.path, case.query
        headers = [
            (b"host", persona.host),
            (b"cookie", persona.cookie_header(unquote(raw_path))),
            (b"accept", case.accept),
            (b"user-agent", b"route-sweep"),
        ]
        content = b""
        if case.body is not None:
            content = case.body.content.replace(TOKEN, persona.token.encode())
            if case.body.content_type is not None:
                headers.append((b"content-type", case.body.content_type.encode()))
            if case.body.token_in_header:
                headers.append((b"x-csrf-token", persona.token.encode()))
        headers += [(b"content-length", str(len(content)).encode()), *case.extra_headers]
        self.errors.lines.clear()
        try:
            status, sent_headers, body = self.loop.run_until_complete(
                asyncio.wait_for(
                    call(
                        self.app,
                        case.method,
                        # As uvicorn decodes it: escapes undone, bad UTF-8 replaced.
                        unquote(raw_path),
                        headers,
                        content,
                        raw_path=raw_path.encode("ascii"),
                        query=query,
                        client=("203.0.113.77", 41000),
                    ),
                    20,
                )
            )
        except Exception as exc:
            # Out of the app altogether: as the server would, a 500.
            escaped = "".join(traceback.format_exception_only(exc)).strip()
            frames = [
                where(f)
                for f in traceback.extract_tb(exc.__traceback__)
                if "/platform/warren/" in f.filename
            ]
            return Answer(
                599, [], b"", [*self.errors.lines, "escaped the app:", *frames[-4:], escaped]
            )
        return Answer(status, sent_headers, body, list(self.errors.lines))


class World:
    """The sweep's own app, its two personas, the objects their ids point at, and what
    puts things back between routes."""

    def __init__(
        self,
        runtime: Runtime,
        app: InProcess,
        personas: dict[str, Persona],
        own: Belongings,
        neighbour: Belongings,
        outsider: Belongings,
        admin_id: uuid.UUID,
        password_hash: str,
    ) -> None:
        self.runtime = runtime
        # The user persona's password as signed up with (a form may change it).
        self.password_hash = password_hash
        # The admin persona's account: what a request is assigned to.
        self.admin_id = admin_id
        self.app = app
        self.personas = personas
        # The user persona's things, another user's of the same brand (the admin's
        # targets), and a user's of the other brand.
        self.own = own
        self.neighbour = neighbour
        self.outsider = outsider

    # Which of the world's objects each path parameter takes.
    ID_PARAMS = {
        "item_id": ("item_id", "trashed_item_id"),
        "subject_id": ("item_id", "upload_id"),
        "upload_id": ("upload_id",),
        "job_id": ("job_id",),
        "order_id": ("order_id",),
        "user_id": ("user_id",),
        "session_id": ("session_id",),
        "request_id": ("request_id",),
        "payment_id": ("payment_id",),
    }

    def secrets(self, who: str) -> tuple[bytes, ...]:
        """What no page may show this persona: the other brand's account, and for a
        user, the other user's of their own brand (their admin may see it)."""
        others = [ELSEWHERE_USER] if who == "admin" else [ELSEWHERE_USER, NEIGHBOUR]
        return tuple(text.encode() for name in others for text in (name, f"{name}@example.com"))

    def mine(self, who: str) -> Belongings:
        """What a persona may act on: the user's own things, or for the admin those of
        a user of their brand."""
        return self.own if who == "user" else self.neighbour

    def current_session(self) -> uuid.UUID:
        """The user persona's session now (signing in again replaces it)."""
        with self.runtime.sessions() as db:
            tenant = self.runtime.registry.get(HOME)
            return sessions_of(db, tenant, self.own.user_id)[0].id

    def values(self, route: RouteSpec, who: str, name: str) -> list[Value]:
        """The meaningful values of a path parameter, the baseline first."""
        if name in self.ID_PARAMS:
            found: list[Value] = []
            for attribute in self.ID_PARAMS[name]:
                kind = attribute.removesuffix("_id").replace("_", " ")
                if who == "user":
                    mine = getattr(self.own, attribute)
                    if attribute == "session_id":
                        mine = self.current_session()
                    found.append(Value(f"their own {kind}", str(mine)))
                    # The demo gateway's checkout page is for whoever holds the link.
                    found.append(
                        Value(
                            f"another {HOME} user's {kind}",
                            str(getattr(self.neighbour, attribute)),
                            foreign=name != "payment_id",
                        )
                    )
                else:
                    found.append(
                        Value(f"a {HOME} user's {kind}", str(getattr(self.neighbour, attribute)))
                    )
                found.append(
                    Value(
                        f"{ELSEWHERE}'s {kind}",
                        str(getattr(self.outsider, attribute)),
                        foreign=True,
                    )
                )
            return found
        named: dict[str, list[tuple[str, str]]] = {
            "product_key": [
                ("a product", "poem"),
                ("an image product", "portrait"),
                ("the assistant product", "assistant"),
            ],
            "assistant_key": [("an assistant", "muse"), (f"{ELSEWHERE}'s assistant", "lyricist")],
            "item_key": [
                ("a pack", "points-100"),
                ("a Prime plan", "prime-30"),
                ("homiwork's pack", "points-50"),
            ],
            "gateway_name": [("the demo gateway", "demo"), ("YooKassa", "yookassa")],
            "kind": [("a content item", "content_item"), ("an upload", "upload")],
            # Least destructive first: block-owner and remove end what the others act on.
            "action": [
                ("hold", "hold"),
                ("evidence", "evidence"),
                ("dismiss", "dismiss"),
                ("block-owner", "block-owner"),
                ("remove", "remove"),
            ],
            "number": [("version 1", "1")],
        }
        if name == "name":
            if route.path.startswith("/static"):
                return [Value("the stylesheet", "warren.css")]
            if route.path.startswith("/brand"):
                return [Value("the logo", "logo.svg")]
            return [Value(f"section {s.name}", s.name) for s in SECTIONS]
        return [Value(label, raw) for label, raw in named.get(name, [])]

    def baseline(self, route: RouteSpec, who: str) -> dict[str, str]:
        return {
            name: next(iter(self.values(route, who, name)), Value("", str(NOBODY))).raw
            for name in route.params
        }

    def plausible(self, route: RouteSpec, who: str, level: str) -> dict[str, str]:
        """Each field given a value of the shape it expects: an ordinary one ("valid",
        the form a person would send), or one at an extreme ("high", "low": dates at the
        ends of the calendar, counts of 20 digits or below zero). A field left out is
        one whose absence is the ordinary case (an order with no reference files)."""
        mine = self.mine(who)
        pick = {"valid": 0, "high": 1, "low": 2}[level]

        def value(name: str) -> str | None:
            n = name.lower()
            if n == "when":
                return "date"
            if "date" in n or n == "review" or "updated" in n:
                return ("2030-01-01", "9999-12-31", "0001-01-01")[pick]
            if "time" in n:
                return ("12:00", "23:59", "00:00")[pick]
            if any(w in n for w in ("amount", "days", "months", "points", "price")):
                return ("5", "9" * 20, "-1")[pick]
            if n == "kind":
                return "access" if "/requests" in route.path else "content_item"
            if "email" in n:
                return "someone.else@example.com"
            if n == "ref" and route.path.startswith("/create/"):
                return None
            if n == "reason" and (route.path.endswith(("/report", "/flag"))):
                # A report's reason is one of a list; elsewhere a reason is free text.
                return "other"
            return {
                "jurisdiction": "gdpr",
                "subject_id": str(mine.item_id),
                "item": str(mine.item_id),
                "ref": str(mine.upload_id),
                "draft": str(NOBODY),
                "outcome": "pay",
                "choice": "allow",
                "language": "ru",
                "prompt": "A poem about the sea at night",
                "message": "Help me write a song for my sister",
                "t": mine.share_token,
                "admin": str(self.admin_id),
                "adult": "yes",
                "policy_version": policy_version(self.runtime.registry.get(HOME)),
                "username": f"newcomer{uuid.uuid4().hex[:8]}",
                "password": "a new correct horse battery",
                # The user's own password, so the forms that ask for it go on to the rest
                # (nothing here deletes the account: its form wants confirm=yes as well).
                "current": PASSWORD if who == "user" else "x",
                "source": "settings",
            }.get(n, "x")

        found = {name: value(name) for name in route.fields}
        return {name: v for name, v in found.items() if v is not None}

    def signed_notifications(self, who: str) -> list[Body]:
        """Notifications as the demo gateway would sign them, with odd payments inside:
        the signature is right, so they reach the settlement."""
        mine = self.mine(who)

        def payment(**changes: object) -> dict[str, object]:
            fields = {
                "id": mine.payment_id,
                "order_id": str(mine.order_id),
                "status": "paid",
                "amount": "4.99",
                "currency": "USD",
            }
            return {"payment": {**fields, **changes}}

        documents: list[tuple[str, object]] = [
            ("an amount of NaN", payment(amount="NaN")),
            ("an infinite amount", payment(amount="Infinity")),
            ("a negative amount", payment(amount="-4.99")),
            ("an amount of 1e999999", payment(amount="1e999999")),
            ("another brand's order", payment(order_id=str(self.outsider.order_id))),
            ("an order nobody has", payment(order_id=str(NOBODY))),
            ("an order id of garbage", payment(order_id="garbage")),
            ("a status of garbage", payment(status="garbage")),
            ("a currency of garbage", payment(currency="XXX")),
            ("a payment id that is an object", payment(id={"a": 1})),
            ("a payment id of 10000 characters", payment(id="p" * 10_000)),
            ("a refund", payment(status="refunded")),
            ("no payment", {"payment": None}),
            ("a list", [1, 2, 3]),
        ]
        found = []
        for label, document in documents:
            content = json.dumps(document).encode()
            found.append(Body(f"a signed notification with {label}", "application/json", content))
        return found

    def demo_signature(self, content: bytes) -> tuple[bytes, bytes]:
        key = self.runtime.keyring.for_tenant(HOME).demo_gateway
        return SIGNATURE_HEADER.encode(), sign(key, content, int(time.time())).encode()

    def refresh(self, route: RouteSpec) -> None:
        """Undo what earlier routes did that would stop this one at its first check:
        the user's password as set at sign-up (a form may have changed it), a live
        share link (a form may have revoked it), and for a route that moves a privacy
        request along, a request of its own in the state it acts on (earlier routes
        completed or refused theirs)."""
        tenant = self.runtime.registry.get(HOME)
        with unit_of_work(self.runtime.sessions) as db:
            db.execute(
                update(User)
                .where(User.id == self.own.user_id)
                .values(password_hash=self.password_hash)
            )
            if route.path == "/s" or route.path.startswith("/s/"):
                for who in WHO:
                    mine = self.mine(who)
                    made = result(self.runtime, HOME, mine.user_id, "waves")
                    token = share_item(db, tenant, mine.user_id, made.item_id)
                    self.set_mine(who, replace(mine, share_token=token))
            if route.path.startswith("/admin/requests/{request_id"):
                by = f"user:{self.neighbour.user_id}"
                request = open_request(
                    db, tenant, RequestKind.ACCESS, RequestChannel.WEB, Jurisdiction.GDPR, utcnow(),
                    by, self.neighbour.user_id,
                )  # fmt: skip
                # Marking the identity verified wants a request still waiting for it.
                if not route.path.endswith("/verified"):
                    move(db, tenant, request.id, RequestState.IN_PROGRESS, by, WEB_VERIFIED)
                self.neighbour = replace(self.neighbour, request_id=request.id)

    def set_mine(self, who: str, things: Belongings) -> None:
        if who == "user":
            self.own = things
        else:
            self.neighbour = things

    def prepare(self, route: RouteSpec, persona: Persona) -> None:
        """What a route needs in place before each case for its handler to go past its
        first check."""
        if str(route) == "POST /admin/config/publish" and persona.who == "admin":
            # A draft to publish: without one every body stops at "there is no draft".
            draft = form([("support_email", f"help-{uuid.uuid4().hex[:6]}@{HOME}.example")])
            saved = self.app.send(
                persona,
                Case("draft", "POST", "/admin/config/section/contact", body=Body("", FORM, draft)),
            )
            assert saved.status == 303, f"no draft to publish: {saved.status}"

    # --- keeping the personas signed in ---

    def keep_signed_in(self, persona: Persona) -> None:
        probe = "/account" if persona.who == "user" else "/admin"
        answer = self.app.send(persona, Case("probe", "GET", probe))
        if answer.status != 200:
            self.sign_in_again(persona)

    def sign_in_again(self, persona: Persona) -> None:
        if persona.who == "admin":
            tenant = self.runtime.registry.get(persona.slug)
            with unit_of_work(self.runtime.sessions) as db:
                admin = find_admin(db, tenant, persona.login)
                persona.cookies[ADMIN_COOKIE] = start_admin_session(
                    db, tenant, self.runtime.keyring, admin
                )
            return
        # Minted directly: the sign-in form was tried at setup, and hashing the password
        # again after every sign-out would cost seconds. The CSRF pair stays good (the
        # token is an HMAC of the cookie the persona keeps).
        tenant = self.runtime.registry.get(persona.slug)
        with unit_of_work(self.runtime.sessions) as db:
            user = find_user(db, tenant, persona.login)
            assert user is not None, f"{persona.login} is gone"
            key = self.runtime.keyring.for_tenant(persona.slug).session
            persona.cookies[cookies.SESSION] = start_session(db, tenant, key, user)


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):[^}]+\}", lambda m: values[m.group(1)], template)


SECTION_FORM = "/admin/config/section/{name:str}"


def section_cases(world: World) -> list[Case]:
    """Each section of the brand's configuration as the console fills it in, then with
    one field spoiled: the fields are typed (numbers, dates, choices) before the brand
    model checks them, and the path parameter names only one section."""
    tenant = world.runtime.registry.get(HOME)
    found = []
    for of in SECTIONS:
        filled = [(k, v) for k, values in section_values(tenant, of.name).items() for v in values]
        path = f"/admin/config/section/{of.name}"
        found.append(
            Case(f"section {of.name} as it is", "POST", path, body=Body("", FORM, form(filled)))
        )
        for body in one_bad_field(filled, [f.key for f in fields(of)]):
            found.append(Case(f"section {of.name}, {body.label}", "POST", path, body=body))
    return found


def cases(world: World, route: RouteSpec, who: str) -> list[Case]:
    """What to send to one route as one persona. A persona the handler does not serve
    (a user on the console, an admin on a user's page) gets a few, enough to show the
    refusal is clean; the rest go to the personas the handler serves."""
    reaches = route.needs in ("", who)
    base = world.baseline(route, who)
    at_base = fill(route.path, base)
    posting = route.method != "GET"
    empty = Body("every field empty", FORM, form([(n, "") for n in route.fields]))
    found: list[Case] = []

    path_cases: list[Case] = []
    for name in route.params:
        values = [*HOSTILE_PATH, *world.values(route, who, name)]
        for value in values if reaches else values[:3]:
            path_cases.append(
                Case(
                    f"path {name} = {value.label}",
                    route.method,
                    fill(route.path, {**base, name: value.raw}),
                    body=empty if posting else None,
                    # Only a handler that serves the persona can leak to them.
                    foreign=value.foreign and reaches,
                )
            )

    if posting:
        plausible = {
            level: world.plausible(route, who, level) for level in ("valid", "high", "low")
        }
        sent = bodies(route.fields, plausible)
        if route.path == SECTION_FORM and reaches:
            found += section_cases(world)
        if route.raw_body:
            sent += world.signed_notifications(who)
        if not reaches:
            sent = [
                b
                for b in sent
                if b.label
                in {
                    "every field = a word",
                    "JSON to a form handler",
                    "multipart without a boundary",
                    "bad percent escapes",
                }
            ]
        for body in sent:
            extra: tuple[tuple[bytes, bytes], ...] = ()
            if body.label.startswith("a signed notification"):
                extra = (world.demo_signature(body.content),)
            found.append(Case(body.label, route.method, at_base, body=body, extra_headers=extra))
        garbage = Body("every field = a word", FORM, form([(n, "garbage") for n in route.fields]))
        found.append(
            Case(
                "JSON wanted, garbage sent",
                route.method,
                at_base,
                body=garbage,
                accept=b"application/json",
            )
        )
        # After the bodies: the meaningful path values include actions that end their
        # object (remove, block-owner, delete), which the bodies would then miss.
        found += path_cases
        found.append(
            Case(
                "garbage query on a form post",
                route.method,
                at_base,
                query=b"after=%ff&page=-1",
                body=empty,
            )
        )
        return found

    found += path_cases
    query_names = [name for name, _ in route.query]
    for name, annotation in route.query:
        values = (
            FLAG_QUERY
            if name in FLAGS
            else [*HOSTILE_QUERY, *CURSORS]
            if name in CURSOR_PARAMS
            else HOSTILE_QUERY
        )
        if name == "t":
            values = [
                *values,
                Value("a share link of theirs", quote(world.mine(who).share_token)),
                Value(f"{ELSEWHERE}'s share link", quote(world.outsider.share_token), foreign=True),
            ]
        for value in values if reaches else values[:2]:
            found.append(
                Case(
                    f"query {name} ({annotation}) = {value.label}",
                    "GET",
                    at_base,
                    query=f"{name}={value.raw}".encode(),
                    foreign=value.foreign and reaches,
                )
            )
    if query_names:
        twice = "&".join(f"{n}=abc&{n}={NOBODY}" for n in query_names)
        found.append(Case("every query parameter twice", "GET", at_base, query=twice.encode()))
    found.append(
        Case(
            "paging parameters nobody reads",
            "GET",
            at_base,
            query=b"after=%ff&before=-1&page=abc&cursor=%00",
        )
    )
    if reaches:
        found += [
            Case("HEAD", "HEAD", at_base),
            Case("OPTIONS", "OPTIONS", at_base),
            Case("PATCH", "PATCH", at_base),
            Case("JSON wanted", "GET", at_base, accept=b"application/json"),
            Case(
                "hostile preference cookies and headers",
                "GET",
                at_base,
                extra_headers=(
                    (b"accept-language", b"\xff\xfe;q=abc, *;q=-1"),
                    (b"sec-gpc", b"\xff"),
                    (b"range", b"bytes=-0,99999999999999999999-"),
                    (b"if-none-match", b'"' + b"x" * 5000 + b'"'),
                ),
            ),
        ]
    return found


@dataclass(frozen=True)
class Finding:
    case: Case
    answer: Answer
    # What is wrong with the answer, in a few words.
    reason: str

    def describe(self, persona: Persona) -> str:
        body = self.case.body
        sent = "no body"
        if body is not None:
            content = body.content.replace(TOKEN, b"<csrf>")
            sent = f"content-type {body.content_type!r}, body {content[:200]!r}" + (
                f" … ({len(content)} bytes)" if len(content) > 200 else ""
            )
        path = self.case.path if len(self.case.path) < 200 else self.case.path[:200] + "…"
        query = self.case.query[:200].decode("latin-1")
        lines = [
            f"{self.case.method} {path}{'?' + query if query else ''} as {persona.describe()} "
            f"— {self.case.label}",
            f"  sent: {sent}",
            f"  {self.reason}; answered {self.answer.status}: {self.answer.body[:160]!r}",
            *("  " + line for entry in self.answer.logged for line in entry.splitlines()),
        ]
        return "\n".join(lines)


def judge(case: Case, answer: Answer, secrets: Sequence[bytes]) -> str | None:
    """What is wrong with the answer, if anything: a server error, a traceback, someone
    else's object served (or acted on) as the persona's own, or data of someone the
    persona may not see (``secrets``: strings the persona never sends, so a page
    cannot be echoing them back)."""
    if answer.status >= 500:
        return "a server error"
    if b"Traceback" in answer.body:
        return "a traceback in the page"
    if case.foreign and 200 <= answer.status < 400:
        return "someone else's object served as theirs"
    shown = [secret for secret in secrets if secret in answer.body]
    if shown:
        return f"another account's data on the page ({shown[0].decode()})"
    return None


def sweep(world: World, route: RouteSpec, who: str, sent: Sequence[Case]) -> list[Finding]:
    persona = world.personas[who]
    world.keep_signed_in(persona)
    found: list[Finding] = []
    for case in sent:
        world.prepare(route, persona)
        answer = world.app.send(persona, case)
        reason = judge(case, answer, world.secrets(who))
        if reason is not None:
            found.append(Finding(case, answer, reason))
        if answer.expires(persona.session_cookie):
            world.sign_in_again(persona)
    return found


def report(route: RouteSpec, persona: Persona, found: Sequence[Finding]) -> str:
    """The findings grouped by what went wrong, so one bug reads as one entry."""
    groups: dict[str, list[Finding]] = {}
    for finding in found:
        logged = "\n".join(finding.answer.logged)
        key = re.sub(r"\b[0-9a-f-]{36}\b|'[^']*'", "…", logged) or f"status {finding.answer.status}"
        if finding.answer.status < 500:
            key = f"{finding.reason} {finding.answer.status} {finding.case.label}"
        groups.setdefault(key, []).append(finding)
    parts = [f"{len(found)} bad answers from {route} as {persona.describe()}:"]
    for group in groups.values():
        first = group[0]
        parts.append(first.describe(persona))
        if len(group) > 1:
            others = "; ".join(f.case.label for f in group[1:])
            parts.append(f"  …and {len(group) - 1} more the same way: {others[:1500]}")
    return "\n\n".join(parts)


# --- fixtures ---------------------------------------------------------------------------


def belongings(client: BrandClient, runtime: Runtime, slug: str, name: str) -> Belongings:
    """A new account signed in on ``client`` with one of everything: a finished order
    and its item, an item in the trash, an upload, a payment order, a privacy request,
    a share link; the session is the one ``client`` holds."""
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    tenant = runtime.registry.get(slug)
    with unit_of_work(runtime.sessions) as db:
        user = find_user(db, tenant, name)
        assert user is not None
        user_id = user.id
        # Points enough that orders reach the provider queue instead of stopping at the price.
        grant(db, tenant, user_id, 5000, "route sweep")
    made = result(runtime, slug, user_id)
    trashed = result(runtime, slug, user_id, "thorns")
    assert client.post_form(f"/library/{trashed.item_id}/delete", {}, "/library").status_code == 303
    uploaded = client.post(
        "/uploads",
        data={"_csrf": client.csrf("/library")},
        files={"file": ("photo.jpg", photo(300, 200), "image/jpeg")},
    )
    assert uploaded.status_code == 303, uploaded.text
    upload_id = parse_qs(urlsplit(uploaded.headers["location"]).query)["ref"][0]
    order_id, checkout = start_purchase(client, "points-100")
    asked = client.post_form(
        "/account/requests", {"kind": "access", "jurisdiction": "gdpr", "details": ""}
    )
    assert asked.status_code == 303, asked.text
    link = share(client, made)
    with runtime.sessions() as db:
        user = find_user(db, tenant, name)
        assert user is not None
        [request] = requests_of(db, tenant, user)
        [session] = sessions_of(db, tenant, user_id)
        return Belongings(
            user_id=user_id,
            item_id=made.item_id,
            job_id=made.job_id,
            trashed_item_id=trashed.item_id,
            upload_id=uuid.UUID(upload_id),
            order_id=order_id,
            payment_id=checkout.rsplit("/", 1)[1],
            request_id=request.id,
            session_id=session.id,
            share_token=parse_qs(urlsplit(link).query)["t"][0],
        )


@pytest.fixture(scope="module")
def world(
    pg_admin_url: str,
    settings: Settings,
    stub_broker: StubBroker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    own_settings = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("sweep-data"),
            "rate_limit_sign_in": WIDE_OPEN,
            "rate_limit_sign_up": WIDE_OPEN,
            "rate_limit_email_link": WIDE_OPEN,
            "rate_limit_password_reset": WIDE_OPEN,
            "rate_limit_two_factor": WIDE_OPEN,
            "rate_limit_report": WIDE_OPEN,
        }
    )
    # Thousands of access-log lines would bury the failures; errors still come through.
    access = logging.getLogger("warren.access")
    access_level = access.level
    stub_broker.flush_all()
    with migrated_database(pg_admin_url, "warren_sweep") as url:
        runtime = build_runtime(own_settings, url, broker=stub_broker)
        app: InProcess | None = None
        try:
            with serving(runtime) as server:
                clients: list[BrandClient] = []

                def brand(slug: str, address: str | None = None) -> BrandClient:
                    client = BrandClient(server, f"{slug}.localhost", address or new_address())
                    clients.append(client)
                    return client

                user_client = brand(HOME)
                own = belongings(user_client, runtime, HOME, "sweeper")
                neighbour = belongings(brand(HOME), runtime, HOME, NEIGHBOUR)
                outsider = belongings(brand(ELSEWHERE), runtime, ELSEWHERE, ELSEWHERE_USER)
                admin_email = "sweep-admin@example.com"
                admin_client = console(brand, runtime, HOME, email=admin_email)
                with unit_of_work(runtime.sessions) as db:
                    admin_id = find_admin(db, runtime.registry.get(HOME), admin_email).id
                    password_hash = db.scalars(
                        select(User.password_hash).where(User.id == own.user_id)
                    ).one()
                    # Verified addresses, so exports and marketing go past "confirm
                    # your address first" to the code that does the work.
                    db.execute(
                        update(User)
                        .where(User.id.in_([own.user_id, neighbour.user_id]))
                        .values(email_verified_at=utcnow())
                    )
                personas = {
                    "user": Persona(
                        "user",
                        HOME,
                        {
                            cookies.SESSION: user_client.cookies[cookies.SESSION],
                            cookies.CSRF: user_client.cookies[cookies.CSRF],
                        },
                        user_client.csrf("/account"),
                        "sweeper",
                    ),
                    "admin": Persona(
                        "admin",
                        HOME,
                        {
                            cookies.CSRF: admin_client.cookies[cookies.CSRF],
                            ADMIN_COOKIE: admin_client.cookies[ADMIN_COOKIE],
                        },
                        page_field(admin_client.get("/admin").text, "_csrf"),
                        admin_email,
                    ),
                }
                for client in clients:
                    client.close()
            app = InProcess(runtime)
            logging.getLogger().addHandler(app.errors)
            access.setLevel(logging.WARNING)
            yield World(runtime, app, personas, own, neighbour, outsider, admin_id, password_hash)
        finally:
            access.setLevel(access_level)
            if app is not None:
                logging.getLogger().removeHandler(app.errors)
                app.close()
            runtime.stop_watching()
            runtime.engine.dispose()
            # What the sweep queued was for this database only.
            stub_broker.flush_all()


# --- the tests --------------------------------------------------------------------------


def test_the_sweep_covers_every_route(world: World) -> None:
    real = route_specs(create_litestar(world.runtime))
    assert [str(r) for r in real] == [str(r) for r in ROUTES]
    # Sanity: the personas can reach what they are meant to, or the sweep proves nothing.
    for who, probe in (("user", "/account"), ("admin", "/admin/users")):
        persona = world.personas[who]
        world.keep_signed_in(persona)
        assert world.app.send(persona, Case("probe", "GET", probe)).status == 200, who


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_hostile_input_never_gets_a_server_error(world: World, route: RouteSpec, who: str) -> None:
    world.refresh(route)
    found = sweep(world, route, who, cases(world, route, who))
    assert not found, report(route, world.personas[who], found)


# A small random layer over the same routes: text the deterministic cases did not think
# of, in one path parameter, a few fields of an otherwise well-formed form, the query.
reachable = [(route, who) for route in ROUTES for who in WHO if route.needs in ("", who)]
texts = st.text(st.characters(codec="utf-8"), max_size=40)


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_text_never_gets_a_server_error(world: World, data: st.DataObject) -> None:
    route, who = data.draw(st.sampled_from(reachable), label="route")
    values = world.baseline(route, who)
    spoil_path: bool = data.draw(st.booleans(), label="spoil the path")
    if route.params and spoil_path:
        name = data.draw(st.sampled_from(route.params), label="parameter")
        values[name] = quote(data.draw(texts, label="value"), safe="") or "x"
    fields = world.plausible(route, who, "valid")
    if route.fields:
        spoiled = data.draw(st.lists(st.sampled_from(route.fields), max_size=3, unique=True))
        fields.update({name: data.draw(texts, label=name) for name in spoiled})
    query = "&".join(
        f"{name}={quote(data.draw(texts, label=name), safe='')}" for name, _ in route.query
    )
    body = Body("random", FORM, form(list(fields.items()))) if route.method != "GET" else None
    case = Case("random text", route.method, fill(route.path, values), query.encode(), body)
    found = sweep(world, route, who, [case])
    assert not found, report(route, world.personas[who], found)
