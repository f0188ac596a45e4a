"""The moderation queue in the console (roles moderator, admin, ops): open reports and
flags grouped per item, the item with its reports, and the actions on it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Stream

from warren.admin.models import AdminRole
from warren.errors import InvalidInput, NotFound
from warren.moderation import queue
from warren.moderation.content import INLINE_KINDS, preview
from warren.moderation.evidence import collect_evidence, public_key_hex, stream_evidence
from warren.moderation.models import REASON_LABELS, SubjectKind
from warren.storage.tenant_store import TenantStore
from warren.web.admin_context import AdminPrincipal
from warren.web.context import RequestContext
from warren.web.downloads import content_disposition, stream_object
from warren.web.forms import text
from warren.web.render import redirect, render

BASE = "/admin/moderation"
NOTICES = {
    "flagged": "The flag is in the queue.",
    "dismissed": "The reports were dismissed.",
    "removed": "The content and its file were deleted.",
    "blocked": "The account is blocked and signed out everywhere.",
    "unblocked": "The account is unblocked.",
    "held": "The hold is placed: nothing of this is deleted until it is lifted.",
}


def _store(ctx: RequestContext) -> TenantStore:
    return TenantStore(ctx.runtime.store, ctx.tenant.slug)


def _moderator(admin: AdminPrincipal) -> None:
    admin.require(AdminRole.MODERATOR)


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInput({field: "That is not an id."}) from None


def _review_date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput({"review": "Give the review date as YYYY-MM-DD."}) from None


def _case_url(kind: SubjectKind, subject_id: uuid.UUID) -> str:
    return f"{BASE}/{kind.value}/{subject_id}"


def _queue_page(
    ctx: RequestContext,
    admin: AdminPrincipal,
    status: int = 200,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response[str]:
    return render(
        ctx,
        "admin/moderation.html",
        status,
        admin=admin,
        rows=queue.open_queue(ctx.db, ctx.tenant),
        blocked=queue.blocked_accounts(ctx.db, ctx.tenant),
        reasons=REASON_LABELS,
        notice=notice,
        errors=errors or {},
        evidence_key=public_key_hex(ctx.keys),
    )


def _case_page(
    ctx: RequestContext,
    admin: AdminPrincipal,
    kind: SubjectKind,
    subject_id: uuid.UUID,
    status: int = 200,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response[str]:
    case = queue.case_of(ctx.db, ctx.tenant, kind, subject_id)
    subject = case.subject
    return render(
        ctx,
        "admin/moderation_case.html",
        status,
        admin=admin,
        case=case,
        url=_case_url(kind, subject_id),
        shown=preview(
            _store(ctx),
            content_type=subject.content_type,
            size=subject.size_bytes,
            key=subject.storage_key,
            title=subject.title,
            file_url=f"{_case_url(kind, subject_id)}/file",
        ),
        reasons=REASON_LABELS,
        notice=notice,
        errors=errors or {},
    )


class AdminModerationController(Controller):
    path = BASE

    @get("/", sync_to_thread=True)
    def queue_page(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        done: FromQuery[str] = "",
    ) -> Response[str]:
        _moderator(admin)
        return _queue_page(ctx, admin, notice=NOTICES.get(done))

    @post("/flag", sync_to_thread=True, status_code=303)
    def flag(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        _moderator(admin)
        try:
            kind = SubjectKind(text(form, "kind"))
        except ValueError:
            return _queue_page(ctx, admin, 400, errors={"kind": "Choose an item or an upload."})
        try:
            subject_id = _uuid(text(form, "subject_id"), "subject_id")
            queue.flag(
                ctx.db, ctx.tenant, kind, subject_id, text(form, "reason"), text(form, "details"),
                actor=admin.actor, ip_value=ctx.ip_value,
            )  # fmt: skip
        except InvalidInput as invalid:
            return _queue_page(ctx, admin, 400, errors=invalid.fields)
        except NotFound:
            return _queue_page(
                ctx, admin, 404, errors={"subject_id": f"{ctx.tenant.name} has no such {kind}."}
            )
        return redirect(ctx, f"{_case_url(kind, subject_id)}?done=flagged")

    @post("/blocked/{user_id:uuid}/unblock", sync_to_thread=True, status_code=303)
    def unblock(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        user_id: FromPath[uuid.UUID],
    ) -> Redirect:
        _moderator(admin)
        queue.unblock_account(ctx.db, ctx.tenant, user_id, actor=admin.actor, ip_value=ctx.ip_value)
        return redirect(ctx, f"{BASE}?done=unblocked")

    @get("/{kind:str}/{subject_id:uuid}", sync_to_thread=True)
    def case(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        kind: FromPath[str],
        subject_id: FromPath[uuid.UUID],
        done: FromQuery[str] = "",
    ) -> Response[str]:
        _moderator(admin)
        return _case_page(ctx, admin, queue.parse_kind(kind), subject_id, notice=NOTICES.get(done))

    @get("/{kind:str}/{subject_id:uuid}/file", sync_to_thread=True)
    def file(
        self,
        request: Request,  # type: ignore[type-arg]
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        kind: FromPath[str],
        subject_id: FromPath[uuid.UUID],
    ) -> Response[str] | Stream:
        _moderator(admin)
        subject = queue.load_subject(ctx.db, ctx.tenant, queue.parse_kind(kind), subject_id)
        return stream_object(
            _store(ctx),
            subject.storage_key,
            content_type=subject.content_type,
            filename=f"{subject.kind.value}-{subject.id}.{subject.storage_key.rsplit('.', 1)[-1]}",
            inline=subject.content_type.split("/")[0] in INLINE_KINDS,
            range_header=request.headers.get("range"),
        )

    @post("/{kind:str}/{subject_id:uuid}/{action:str}", sync_to_thread=True, status_code=303)
    def act(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        kind: FromPath[str],
        subject_id: FromPath[uuid.UUID],
        action: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect | Stream:
        _moderator(admin)
        subject_kind = queue.parse_kind(kind)
        who = {"actor": admin.actor, "ip_value": ctx.ip_value}
        back = _case_url(subject_kind, subject_id)
        try:
            if action == "dismiss":
                queue.dismiss(ctx.db, ctx.tenant, subject_kind, subject_id, **who)
                return redirect(ctx, f"{BASE}?done=dismissed")
            if action == "remove":
                queue.remove(ctx.db, ctx.runtime.store, ctx.tenant, subject_kind, subject_id, **who)
                return redirect(ctx, f"{BASE}?done=removed")
            if action == "block-owner":
                owner = queue.load_subject(ctx.db, ctx.tenant, subject_kind, subject_id).owner_id
                queue.block_account(ctx.db, ctx.tenant, owner, text(form, "block_reason"), **who)
                return redirect(ctx, f"{back}?done=blocked")
            if action == "hold":
                queue.hold(
                    ctx.db, ctx.tenant, subject_kind, subject_id, text(form, "reason"),
                    _review_date(text(form, "review")), **who,
                )  # fmt: skip
                return redirect(ctx, f"{back}?done=held")
            if action == "evidence":
                return self._evidence(ctx, admin, subject_kind, subject_id)
        except InvalidInput as invalid:
            ctx.db.rollback()
            return _case_page(ctx, admin, subject_kind, subject_id, 400, errors=invalid.fields)
        raise NotFound()

    def _evidence(
        self,
        ctx: RequestContext,
        admin: AdminPrincipal,
        kind: SubjectKind,
        subject_id: uuid.UUID,
    ) -> Stream:
        store = _store(ctx)
        evidence = collect_evidence(
            ctx.db, store, ctx.tenant, kind, subject_id, actor=admin.actor, ip_value=ctx.ip_value
        )
        # Streamed after the handler returns and the audit entry commits; only the object
        # store is read from here on.
        return Stream(
            stream_evidence(evidence, store, ctx.keys),
            status_code=200,
            media_type="application/zip",
            headers={
                "Content-Disposition": content_disposition(evidence.filename),
                "Cache-Control": "private, no-store",
            },
        )
