"""Console pages for the brand's configuration: the draft (a form per section), its
preview and policy diff, publication now or at a date, and what a publication set in
motion (notice emails, the IP history rewrite). Brand admins only (and ops)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from warren.errors import InvalidInput, NotFound
from warren.privacy.contradictions import contradictions
from warren.privacy.policy import rendered_policy
from warren.publishing import service
from warren.publishing.ownership import value_at
from warren.publishing.sections import SECTIONS, Section, fields, section
from warren.tenancy.tenant import Tenant
from warren.web.admin_context import AdminPrincipal
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.render import redirect, render, render_preview


def _base(ctx: RequestContext) -> Tenant:
    bootstrap = ctx.runtime.bootstrap or ctx.runtime.registry
    return bootstrap.get(ctx.tenant.slug)


def _section(name: str) -> Section:
    try:
        return section(name)
    except KeyError:
        raise NotFound("There is no such section.") from None


def _form_values(document: dict[str, Any], of: Section) -> dict[str, Any]:
    return {f.key: value_at(document, f.key) for f in fields(of)}


def _typed(form: FormMultiDict, of: Section) -> dict[str, Any]:
    """What the admin typed, to show again next to the errors."""
    typed: dict[str, Any] = {}
    for f in fields(of):
        values = form.getall(f.key, [])
        if f.kind == "choices":
            typed[f.key] = values
        elif f.kind == "bool":
            typed[f.key] = bool(values)
        else:
            typed[f.key] = values[0] if values else ""
    return typed


def _draft_view(ctx: RequestContext) -> tuple[dict[str, Any], Tenant | None, str]:
    """The draft document, the brand as it would make it, and why it cannot (if so)."""
    document = service.draft_document(ctx.db, ctx.tenant)
    try:
        return document, service.draft_tenant(_base(ctx), document), ""
    except InvalidInput as invalid:
        return document, None, invalid.message


def _in_force_text(ctx: RequestContext) -> str:
    return rendered_policy(ctx.tenant).markdown


def _refresh_after_commit(ctx: RequestContext) -> None:
    """This process serves the new version from the next request on (others within
    their poll interval)."""
    runtime = ctx.runtime

    def refresh(_: Session) -> None:
        runtime.refresh_registry()

    event.listen(ctx.db, "after_commit", refresh, once=True)


def _overview(
    ctx: RequestContext,
    admin: AdminPrincipal,
    status: int = 200,
    errors: dict[str, str] | None = None,
    done: str = "",
) -> Response[str]:
    document, candidate, problem = _draft_view(ctx)
    found = service.draft(ctx.db, ctx.tenant)
    now = datetime.now(UTC)
    steps = service.plan(ctx.db, ctx.tenant, document, now) if found else None
    published = service.versions(ctx.db, ctx.tenant)
    progress = {
        row.version: service.notice_progress(ctx.db, ctx.tenant, row.version)
        for row in published
        if row.notified_by == "email"
    }
    rehash = service.rehash_progress(ctx.db, ctx.tenant) if ctx.tenant.hashes_ip else {}
    return render(
        ctx,
        "admin/config.html",
        status,
        admin=admin,
        config_sections=SECTIONS,
        draft=found,
        problem=problem,
        # What `warren tenants check` would warn about, were the draft in force.
        warnings=contradictions("draft", candidate) if found and candidate else [],
        steps=steps,
        changes_text=candidate is not None
        and rendered_policy(candidate).markdown != _in_force_text(ctx),
        published=published,
        in_force=ctx.runtime.registry.state(ctx.tenant.slug).version,
        progress=progress,
        rehash=rehash,
        now=now,
        errors=errors or {},
        done=done,
    )


def _effective_at(form: FormMultiDict) -> datetime | None:
    if text(form, "when") != "date":
        return None
    day, hour = text(form, "effective_date"), text(form, "effective_time") or "00:00"
    try:
        return datetime.combine(
            datetime.strptime(day, "%Y-%m-%d").date(),
            time.fromisoformat(hour),
            tzinfo=UTC,
        )
    except ValueError:
        raise InvalidInput(
            {"effective_at": "give the date as YYYY-MM-DD and the time as HH:MM (UTC)"}
        ) from None


class AdminConfigController(Controller):
    path = "/admin/config"

    @get("/", sync_to_thread=True)
    def overview(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        done: FromQuery[str] = "",
    ) -> Response[str]:
        admin.require()
        return _overview(ctx, admin, done=done)

    @get("/preview", sync_to_thread=True)
    def preview(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Response[str]:
        admin.require()
        _, candidate, problem = _draft_view(ctx)
        if candidate is None:
            raise InvalidInput({"form": problem})
        policy = rendered_policy(candidate)
        return render_preview(
            ctx,
            candidate,
            "privacy.html",
            policy_html=policy.html,
            sections=policy.sections,
            version=policy.version,
            updated=candidate.policy.last_updated_text,
            # The English text is the one published and accepted; the preview shows it.
            policy_language="en",
            versions=[],
        )

    @get("/diff", sync_to_thread=True)
    def diff(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Response[str]:
        admin.require()
        _, candidate, problem = _draft_view(ctx)
        if candidate is None:
            raise InvalidInput({"form": problem})
        table = service.policy_diff(_in_force_text(ctx), rendered_policy(candidate).markdown)
        return render(ctx, "admin/config_diff.html", admin=admin, table=table)

    @post("/publish", sync_to_thread=True, status_code=303)
    def publish(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require()
        found = service.draft(ctx.db, ctx.tenant)
        if found is None:
            return _overview(ctx, admin, 400, {"effective_at": "There is no draft to publish."})
        try:
            row = service.publish(
                ctx.db,
                _base(ctx),
                ctx.tenant,
                found.document,
                author_id=admin.account_id,
                actor=admin.actor,
                ip_value=ctx.ip_value,
                effective_at=_effective_at(form),
            )
        except InvalidInput as invalid:
            return _overview(ctx, admin, 400, invalid.fields)
        _refresh_after_commit(ctx)
        return redirect(ctx, f"/admin/config?done=published-{row.version}")

    @post("/discard", sync_to_thread=True, status_code=303)
    def discard(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Redirect:
        admin.require()
        service.discard_draft(ctx.db, ctx.tenant, actor=admin.actor, ip_value=ctx.ip_value)
        return redirect(ctx, "/admin/config?done=discarded")

    @get("/section/{name:str}", sync_to_thread=True)
    def edit(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        name: FromPath[str],
    ) -> Response[str]:
        admin.require()
        of = _section(name)
        document = service.draft_document(ctx.db, ctx.tenant)
        return render(
            ctx,
            "admin/config_section.html",
            admin=admin,
            section=of,
            fields=fields(of),
            values=_form_values(document, of),
            errors={},
        )

    @post("/section/{name:str}", sync_to_thread=True, status_code=303)
    def save(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        name: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require()
        of = _section(name)
        submitted = {f.key: form.getall(f.key, []) for f in fields(of)}
        try:
            service.save_section(
                ctx.db,
                _base(ctx),
                ctx.tenant,
                of,
                submitted,
                actor=admin.actor,
                ip_value=ctx.ip_value,
            )
        except InvalidInput as invalid:
            return render(
                ctx,
                "admin/config_section.html",
                400,
                admin=admin,
                section=of,
                fields=fields(of),
                values=_typed(form, of),
                errors=invalid.fields,
            )
        return redirect(ctx, f"/admin/config?done=saved-{of.name}")
