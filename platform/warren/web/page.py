"""Everything a page handler needs for one request, and the HTML response it returns.

Handlers receive a ``Page`` as a dependency: it carries the tenant, its IP value, the
database session, the signed-in user (if any), the consent state and the CSRF token,
and it knows which cookies the response must set.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.response import Redirect, Response
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.security_log import record_event
from warren.accounts.sessions import resolve_session
from warren.privacy.consent import ConsentState, analytics_allowed, cookie_value, parse_cookie
from warren.privacy.policy import policy_version
from warren.runtime import Runtime
from warren.tenancy.tenant import Tenant
from warren.web import cookies
from warren.web.csrf import form_token, new_cookie_token
from warren.web.edge import edge_context
from warren.web.runtime_access import runtime_of
from warren.web.templating import Templates


class Page:
    def __init__(self, request: Request[Any, Any, Any], runtime: Runtime, db: Session) -> None:
        context = edge_context(request.scope)
        self.request = request
        self.runtime = runtime
        self.db = db
        self.tenant: Tenant = context.tenant
        self.ip_value = context.ip_value
        self.secure = cookies.secure_flag(runtime.settings, context.https)
        self.keys = runtime.keyring.for_tenant(self.tenant.slug)
        self._cookies: list[Cookie] = []

        lookup = resolve_session(
            db, self.tenant, self.keys.session, request.cookies.get(cookies.SESSION)
        )
        self.user: User | None = lookup.user
        if lookup.refused:
            record_event(db, self.tenant, "session_refused", self.ip_value)
            self._cookies.append(cookies.expire_cookie(cookies.SESSION, secure=self.secure))
        db.commit()

        self.consent: ConsentState = parse_cookie(
            request.cookies.get(cookies.CONSENT), request.headers.get("sec-gpc") == "1"
        )
        csrf_cookie = request.cookies.get(cookies.CSRF)
        if not csrf_cookie:
            csrf_cookie = new_cookie_token()
            self._cookies.append(cookies.make_cookie(cookies.CSRF, csrf_cookie, secure=self.secure))
        self.csrf_token = form_token(self.keys.csrf, csrf_cookie)

    @property
    def policy_version(self) -> str:
        return policy_version(self.tenant)

    def set_cookie(self, name: str, value: str, max_age: int | None = None) -> None:
        self._cookies.append(cookies.make_cookie(name, value, secure=self.secure, max_age=max_age))

    def expire_cookie(self, name: str) -> None:
        self._cookies.append(cookies.expire_cookie(name, secure=self.secure))

    def remember_consent(self, visitor_id: uuid.UUID, granted: bool) -> None:
        self.set_cookie(cookies.CONSENT, cookie_value(visitor_id, granted), cookies.CONSENT_MAX_AGE)

    def render(self, template: str, status_code: int = 200, **context: Any) -> Response[str]:
        templates: Templates = self.request.app.state.templates
        html = templates.render(
            self.tenant,
            template,
            {
                "user": self.user,
                "consent": self.consent,
                "analytics_allowed": analytics_allowed(self.tenant, self.consent),
                "csrf_token": self.csrf_token,
                "csrf_field": "_csrf",
                "path": self.request.url.path,
                **context,
            },
        )
        return Response(
            html,
            status_code=status_code,
            media_type="text/html; charset=utf-8",
            cookies=self._cookies,
            headers={
                "Cache-Control": "no-store",
                "X-Frame-Options": "DENY",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
            },
        )

    def redirect(self, path: str) -> Redirect:
        # 303 so that a POST is followed by a GET.
        return Redirect(path, status_code=303, cookies=self._cookies)


def provide_db(request: Request[Any, Any, Any]) -> Generator[Session, None, None]:
    with runtime_of(request).sessions() as db:
        yield db


def provide_page(request: Request[Any, Any, Any], db: NamedDependency[Session]) -> Page:
    return Page(request, runtime_of(request), db)
