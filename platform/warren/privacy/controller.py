"""The privacy policy (HTML and Markdown download), cookie settings and consent choices."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Response

from warren.privacy.consent import ConsentSource, record_choice
from warren.privacy.policy import render_policy_html, render_policy_markdown
from warren.web.forms import FormData
from warren.web.page import Page


class PrivacyController(Controller):
    include_in_schema = False

    @get("/privacy", sync_to_thread=True)
    def policy(self, page: NamedDependency[Page]) -> Response[str]:
        return page.render(
            "privacy.html", policy_html=render_policy_html(page.tenant), version=page.policy_version
        )

    @get("/privacy.md", sync_to_thread=True)
    def policy_markdown(self, page: NamedDependency[Page]) -> Response[str]:
        return Response(
            render_policy_markdown(page.tenant),
            media_type="text/markdown; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{page.tenant.slug}-privacy-policy.md"'
            },
        )

    @get("/cookie-settings", sync_to_thread=True)
    def cookie_settings(self, page: NamedDependency[Page]) -> Response[str]:
        return page.render(
            "cookie_settings.html", saved=page.request.query_params.get("saved") == "1"
        )

    @post("/consent", sync_to_thread=True, status_code=303)
    def choose(self, page: NamedDependency[Page], data: FormData) -> Response[str] | Redirect:
        if page.tenant.analytics.consent != "opt_in":
            return page.render(
                "cookie_settings.html",
                400,
                saved=False,
                error="This site asks for no analytics choice; cookies can be turned off in your browser.",
            )
        choice = data.get("choice")
        source: ConsentSource = "settings" if data.get("source") == "settings" else "banner"
        if choice not in {"allow", "decline"}:
            return page.render(
                "cookie_settings.html", 400, saved=False, error="Choose allow or decline."
            )
        granted = choice == "allow" and not page.consent.gpc
        visitor_id = page.consent.visitor_id or uuid.uuid4()
        record_choice(
            page.db,
            page.tenant,
            visitor_id=visitor_id,
            user_id=page.user.id if page.user else None,
            granted=granted,
            source="gpc" if page.consent.gpc and choice == "allow" else source,
            policy_version=page.policy_version,
            ip_value=page.ip_value,
        )
        page.db.commit()
        page.remember_consent(visitor_id, granted)
        back = data.get("next", "/")
        if source == "settings":
            return page.redirect("/cookie-settings?saved=1")
        return page.redirect(back if back.startswith("/") and not back.startswith("//") else "/")
