"""The request context: everything a handler may need, built once per request.

The edge (``warren.web.edge``) has already resolved the tenant, the tenant's IP value and
the CSP nonce; here the web layer adds the database unit of work, the principal (from the
session cookie), the consent state and the CSRF token. Handlers declare what they need by
parameter name — ``ctx`` for the context, ``user`` for "a signed-in user is required" —
and pass the tenant explicitly to every service they call.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anyio import to_thread
from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.security_log import record_event
from warren.accounts.sessions import resolve_session
from warren.db.unit_of_work import commit, idle, rollback
from warren.i18n import negotiate
from warren.privacy.consent import ConsentState, parse_cookie
from warren.queue.port import has_pending
from warren.runtime import Runtime
from warren.tenancy.secrets import TenantKeys
from warren.tenancy.tenant import Tenant
from warren.web import cookies
from warren.web.csrf import form_token, new_cookie_token, valid_cookie_token
from warren.web.edge import edge_context
from warren.web.templating import Templates

STATE_KEY = "warren_context"


@dataclass(frozen=True)
class Anonymous:
    pass


@dataclass(frozen=True)
class Viewer:
    """What pages show of the signed-in user, copied when the context is built: an
    error page is rendered after the unit of work rolled back, when the ORM row can no
    longer be read."""

    id: uuid.UUID
    username: str
    email: str
    created_at: datetime
    accepted_policy_version: str


@dataclass(frozen=True)
class SignedInUser:
    user: User
    viewer: Viewer

    @classmethod
    def of(cls, user: User) -> SignedInUser:
        return cls(
            user,
            Viewer(
                id=user.id,
                username=user.username,
                email=user.email,
                created_at=user.created_at,
                accepted_policy_version=user.accepted_policy_version,
            ),
        )


Principal = Anonymous | SignedInUser


class SignInRequired(Exception):
    """A handler that needs a signed-in user was reached without one."""


class TwoFactorEnrolmentRequired(Exception):
    """The tenant requires two-factor sign-in and this user has not set it up yet."""


# Where a user of a tenant that requires two-factor sign-in can go before enrolling.
ENROL_PATH = "/account/two-factor"


class RequestContext:
    """A plain class on purpose: Litestar validates dataclass dependencies field by field."""

    def __init__(
        self,
        *,
        runtime: Runtime,
        templates: Templates,
        db: Session,
        tenant: Tenant,
        ip_value: str,
        rate_key: str,
        https: bool,
        nonce: str,
        path: str,
        keys: TenantKeys,
        principal: Principal,
        consent: ConsentState,
        csrf_token: str,
        request_cookies: dict[str, str],
        cookies: list[Cookie],
        language: str,
    ) -> None:
        self.runtime = runtime
        self.templates = templates
        self.db = db
        self.tenant = tenant
        self.ip_value = ip_value
        # What rate limits are keyed by: the IP value, or for IPv6 that of its /64.
        self.rate_key = rate_key
        self.https = https
        self.nonce = nonce
        self.path = path
        self.keys = keys
        self.principal = principal
        self.consent = consent
        self.csrf_token = csrf_token
        # The cookies the request arrived with.
        self.request_cookies = request_cookies
        # Cookies every response to this request must carry (rotations, expiries).
        self.cookies = cookies
        # The interface language of this response (warren.i18n.negotiate).
        self.language = language

    def request_cookie(self, name: str) -> str | None:
        return self.request_cookies.get(name)

    @property
    def user(self) -> User | None:
        return self.principal.user if isinstance(self.principal, SignedInUser) else None

    @property
    def viewer(self) -> Viewer | None:
        return self.principal.viewer if isinstance(self.principal, SignedInUser) else None

    def sign_in(self, user: User) -> None:
        self.principal = SignedInUser.of(user)
        # The account's own choice wins from the next page on, on any device.
        if user.language in self.tenant.languages:
            assert user.language is not None
            self.language = user.language

    def sign_out(self) -> None:
        self.principal = Anonymous()

    @property
    def secure_cookies(self) -> bool:
        return cookies.secure_flag(self.runtime.settings, self.https)

    def set_cookie(self, name: str, value: str, max_age: int | None = None) -> None:
        self.cookies.append(
            cookies.make_cookie(name, value, secure=self.secure_cookies, max_age=max_age)
        )

    def expire_cookie(self, name: str) -> None:
        self.cookies.append(cookies.expire_cookie(name, secure=self.secure_cookies))

    def rotate_csrf(self) -> None:
        """A new CSRF secret: at sign-in and sign-out, so a token seen before is worthless."""
        token = new_cookie_token()
        self.set_cookie(cookies.CSRF, token)
        self.csrf_token = form_token(self.keys.csrf, token)


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def context_of(request: Request[Any, Any, Any]) -> RequestContext | None:
    """The context, if one was built for this request (error handlers use it)."""
    value = request.state.get(STATE_KEY)
    return value if isinstance(value, RequestContext) else None


async def provide_db(request: Request[Any, Any, Any]) -> AsyncGenerator[Session, None]:
    """The request's unit of work: committed once if the handler returns, rolled back if
    it raises. Runs before the response is sent, so a failed commit is a failed request."""
    db = runtime_of(request).sessions()
    try:
        try:
            yield db
        except BaseException:
            await _finish(rollback, db)
            raise
        await _finish(commit, db)
    finally:
        await _finish(Session.close, db)


async def _finish(step: Callable[[Session], None], db: Session) -> None:
    """Run ``step`` where it cannot block the event loop. A session the request never
    used (most anonymous pages) holds no connection, undo or message to send, so
    committing or closing it does no I/O and is not worth a thread hop."""
    if idle(db) and not has_pending(db):
        step(db)
    else:
        await to_thread.run_sync(step, db)


async def provide_ctx(
    request: Request[Any, Any, Any], db: NamedDependency[Session]
) -> RequestContext:
    """Without a session cookie nothing here touches the database, so the context is
    built on the event loop; with one, the session lookup runs in a thread."""
    if request.cookies.get(cookies.SESSION):
        return await to_thread.run_sync(_build_ctx, request, db)
    return _build_ctx(request, db)


def _build_ctx(request: Request[Any, Any, Any], db: Session) -> RequestContext:
    runtime = runtime_of(request)
    edge = edge_context(request.scope)
    tenant = edge.tenant
    keys = runtime.keyring.for_tenant(tenant.slug)
    secure = cookies.secure_flag(runtime.settings, edge.https)
    pending: list[Cookie] = []

    lookup = resolve_session(db, tenant, keys.session, request.cookies.get(cookies.SESSION))
    if lookup.refused:
        # Its own transaction: a refused cookie is worth recording even when the request
        # it came with fails.
        with runtime.sessions.begin() as log_db:
            record_event(log_db, tenant, "session_refused", edge.ip_value)
        pending.append(cookies.expire_cookie(cookies.SESSION, secure=secure))
    principal: Principal = SignedInUser.of(lookup.user) if lookup.user else Anonymous()

    csrf_cookie = request.cookies.get(cookies.CSRF)
    if not valid_cookie_token(csrf_cookie):
        csrf_cookie = new_cookie_token()
        pending.append(cookies.make_cookie(cookies.CSRF, csrf_cookie, secure=secure))
    assert csrf_cookie is not None

    ctx = RequestContext(
        runtime=runtime,
        templates=request.app.state.templates,
        db=db,
        tenant=tenant,
        ip_value=edge.ip_value,
        rate_key=edge.rate_key,
        https=edge.https,
        nonce=edge.nonce,
        path=request.url.path,
        keys=keys,
        principal=principal,
        consent=parse_cookie(
            request.cookies.get(cookies.CONSENT),
            request.headers.get("sec-gpc") == "1",
            runtime.registry.state(tenant.slug).consent_epoch,
        ),
        csrf_token=form_token(keys.csrf, csrf_cookie),
        request_cookies=dict(request.cookies),
        cookies=pending,
        language=negotiate(
            tenant.languages,
            user_choice=lookup.user.language if lookup.user else None,
            cookie=request.cookies.get(cookies.LANGUAGE),
            accept_language=request.headers.get("accept-language"),
        ),
    )
    request.state[STATE_KEY] = ctx
    return ctx


def require_user(ctx: NamedDependency[RequestContext]) -> User:
    """The ``user`` dependency: a handler that names it is for signed-in users only."""
    if ctx.user is None:
        raise SignInRequired()
    if (
        ctx.tenant.accounts.require_two_factor
        and not ctx.user.has_two_factor
        and not ctx.path.startswith(ENROL_PATH)
    ):
        raise TwoFactorEnrolmentRequired()
    return ctx.user
