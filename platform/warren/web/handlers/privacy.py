"""The privacy policy (HTML and Markdown download), cookie settings and consent choices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from anyio import to_thread
from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response

from warren.db.base import utcnow
from warren.i18n import N_, translator
from warren.privacy.consent import ConsentSource, cookie_value, record_choice
from warren.privacy.cookie_catalogue import cookies_for
from warren.privacy.policy import (
    markdown_to_html,
    policy_language,
    policy_version,
    render_policy_markdown,
    rendered_policy,
)
from warren.publishing import service as publishing
from warren.web import cookies
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.redirects import safe_next
from warren.web.render import redirect, render


@dataclass(frozen=True)
class ListedVersion:
    """A published version with the dates it is (or was, or will be) in force."""

    number: int
    start: str
    # None while it is (or will be) the latest to take effect.
    end: str | None
    upcoming: bool


def _versions(
    ctx: RequestContext, published: Sequence[publishing.PublishedVersion] | None = None
) -> list[ListedVersion]:
    words = translator(ctx.language if ctx.language in ctx.tenant.languages else "en")
    if published is None:
        published = publishing.published_versions(ctx.db, ctx.runtime.registry, ctx.tenant)
    rows = list(reversed(published))
    now = utcnow()
    listed: list[ListedVersion] = []
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        ended = following is not None and following.effective_at <= now
        listed.append(
            ListedVersion(
                number=row.version,
                start=words.date(row.effective_at),
                end=words.date(following.effective_at) if ended and following else None,
                upcoming=row.effective_at > now,
            )
        )
    return list(reversed(listed))


class PrivacyController(Controller):
    @get("/privacy")
    async def policy(self, ctx: NamedDependency[RequestContext]) -> Response[str]:
        """Rendered on the event loop once the version list is known for the registry
        in force (every view but the first after a publication): the page then reads no
        database, and a thread hop would only add work."""
        registry = ctx.runtime.registry
        published = publishing.known_versions(registry, ctx.tenant)
        if published is None:
            published = await to_thread.run_sync(
                publishing.published_versions, ctx.db, registry, ctx.tenant
            )
        return self._policy_page(ctx, published)

    def _policy_page(
        self, ctx: RequestContext, published: Sequence[publishing.PublishedVersion]
    ) -> Response[str]:
        language = policy_language(ctx.tenant, ctx.language)
        policy = rendered_policy(ctx.tenant, language)
        return render(
            ctx,
            "privacy.html",
            policy_html=policy.html,
            sections=policy.sections,
            version=policy.version,
            updated=ctx.tenant.policy.last_updated_text
            if language == "en"
            else translator(language).date(ctx.tenant.policy.last_updated_date),
            policy_language=language,
            versions=_versions(ctx, published),
        )

    @get("/privacy/versions/{number:int}", sync_to_thread=True)
    def old_version(
        self, ctx: NamedDependency[RequestContext], number: FromPath[int]
    ) -> Response[str]:
        row = publishing.version(ctx.db, ctx.tenant, number)
        html, sections = markdown_to_html(row.policy_markdown)
        return render(
            ctx,
            "privacy_version.html",
            row=row,
            policy_html=html,
            sections=sections,
            versions=_versions(ctx),
            in_force=ctx.runtime.registry.state(ctx.tenant.slug).version,
            now=utcnow(),
        )

    @get("/privacy.md", sync_to_thread=True)
    def policy_markdown(self, ctx: NamedDependency[RequestContext]) -> Response[str]:
        language = policy_language(ctx.tenant, ctx.language)
        suffix = "" if language == "en" else f".{language}"
        return Response(
            render_policy_markdown(ctx.tenant, language),
            media_type="text/markdown",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{ctx.tenant.slug}-privacy-policy{suffix}.md"'
                ),
                "Content-Language": language,
            },
        )

    @get("/cookie-settings", sync_to_thread=True)
    def cookie_settings(
        self, ctx: NamedDependency[RequestContext], saved: FromQuery[str] = ""
    ) -> Response[str]:
        return render(
            ctx, "cookie_settings.html", saved=saved == "1", cookies=cookies_for(ctx.tenant)
        )

    @post("/consent", sync_to_thread=True, status_code=303)
    def choose(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        if ctx.tenant.analytics.consent != "opt_in":
            return render(
                ctx,
                "cookie_settings.html",
                400,
                saved=False,
                error=N_(
                    "This site asks for no analytics choice; cookies can be turned off in your browser."
                ),
                cookies=cookies_for(ctx.tenant),
            )
        choice = text(form, "choice")
        source: ConsentSource = "settings" if text(form, "source") == "settings" else "banner"
        if choice not in {"allow", "decline"}:
            return render(
                ctx,
                "cookie_settings.html",
                400,
                saved=False,
                error=N_("Choose allow or decline."),
                cookies=cookies_for(ctx.tenant),
            )
        granted = choice == "allow" and not ctx.consent.gpc
        visitor_id = ctx.consent.visitor_id or uuid.uuid4()
        record_choice(
            ctx.db,
            ctx.tenant,
            visitor_id=visitor_id,
            user_id=ctx.user.id if ctx.user else None,
            granted=granted,
            source="gpc" if ctx.consent.gpc and choice == "allow" else source,
            policy_version=policy_version(ctx.tenant),
            ip_value=ctx.ip_value,
        )
        epoch = ctx.runtime.registry.state(ctx.tenant.slug).consent_epoch
        ctx.set_cookie(
            cookies.CONSENT, cookie_value(visitor_id, granted, epoch), cookies.CONSENT_MAX_AGE
        )
        if source == "settings":
            return redirect(ctx, "/cookie-settings?saved=1")
        return redirect(ctx, safe_next(text(form, "next"), "/"))
