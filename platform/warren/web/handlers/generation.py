"""Ordering: the create page, the job page and its live status."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.billing.drafts import load_draft, save_draft
from warren.billing.ledger import balance
from warren.errors import InsufficientPoints, InvalidInput, NotFound
from warren.generation.status import job_of, job_state
from warren.generation.submit import submit_generation
from warren.i18n import N_
from warren.media.errors import UploadRejected
from warren.media.uploads import store_upload, user_uploads
from warren.moderation.shares import share_status_for_job
from warren.storage.tenant_store import TenantStore
from warren.web.context import RequestContext
from warren.web.errors import status_of
from warren.web.forms import text, texts
from warren.web.render import redirect, render


def _render_create(
    ctx: RequestContext,
    user: User,
    product_key: str,
    *,
    selected: list[str],
    errors: dict[str, str],
    prompt: str,
    status_code: int,
    draft: uuid.UUID | None = None,
) -> Response[str]:
    product = ctx.tenant.products[product_key]
    references = [
        u for u in user_uploads(ctx.db, ctx.tenant, user.id) if u.kind in product.references
    ]
    return render(
        ctx,
        "create.html",
        status_code,
        product_key=product_key,
        product=product,
        references=references,
        selected=selected,
        balance=balance(ctx.db, ctx.tenant, user.id),
        errors=errors,
        prompt=prompt,
        draft=str(draft) if draft else "",
    )


def _store(ctx: RequestContext) -> TenantStore:
    return TenantStore(ctx.runtime.store, ctx.tenant.slug)


def _draft_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _product_key(ctx: RequestContext, product_key: str) -> str:
    product = ctx.tenant.products.get(product_key)
    if product is None or product.category == "assistant":
        raise NotFound(N_("This product is not offered here."))
    return product_key


class GenerationController(Controller):
    @get("/create/{product_key:str}", sync_to_thread=True)
    def create_form(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        product_key: FromPath[str],
        ref: FromQuery[list[str] | None] = None,
        draft: FromQuery[str | None] = None,
    ) -> Response[str]:
        key = _product_key(ctx, product_key)
        draft_id = _draft_id(draft)
        kept = load_draft(ctx.db, ctx.tenant, user.id, draft_id) if draft_id else None
        if kept is not None and kept.product_key == key:
            # Back from buying points: the order form as the user left it.
            return _render_create(
                ctx,
                user,
                key,
                selected=[str(r) for r in kept.reference_ids],
                errors={},
                prompt=kept.prompt,
                status_code=200,
                draft=kept.id,
            )
        return _render_create(
            ctx, user, key, selected=ref or [], errors={}, prompt="", status_code=200
        )

    @post("/create/{product_key:str}", sync_to_thread=True, status_code=303)
    def create_submit(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        product_key: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        key = _product_key(ctx, product_key)
        selected = texts(form, "ref")
        prompt = text(form, "prompt")
        try:
            reference_ids = [uuid.UUID(value) for value in selected]
        except ValueError:
            raise InvalidInput(
                {"references": N_("A chosen reference file is not valid.")}
            ) from None
        try:
            job = submit_generation(ctx.db, ctx.tenant, user.id, key, prompt, reference_ids)
        except (InvalidInput, InsufficientPoints) as exc:
            # The order form again, with what the user typed and chose still in it.
            ctx.db.rollback()
            errors = exc.fields if isinstance(exc, InvalidInput) else {"form": exc.message}
            # Short of points: the form is kept on the server while the user buys some.
            draft = (
                save_draft(ctx.db, ctx.tenant, user.id, key, prompt, reference_ids)
                if isinstance(exc, InsufficientPoints)
                else None
            )
            return _render_create(
                ctx,
                user,
                key,
                selected=selected,
                errors=errors,
                prompt=prompt,
                status_code=status_of(exc),
                draft=draft,
            )
        return redirect(ctx, f"/jobs/{job.id}")

    @get("/jobs/{job_id:uuid}", sync_to_thread=True)
    def job_page(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        job_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        job = job_of(ctx.db, ctx.tenant, user.id, job_id)
        return render(
            ctx,
            "job.html",
            job=job,
            product=ctx.tenant.products.get(job.product_key),
            state=job_state(ctx.db, ctx.tenant, job, _store(ctx)),
            share=share_status_for_job(ctx.db, ctx.tenant, user.id, job.id),
        )

    @get("/jobs/{job_id:uuid}/status", sync_to_thread=True)
    def job_status(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        job_id: FromPath[uuid.UUID],
    ) -> Response[dict[str, Any]]:
        job = job_of(ctx.db, ctx.tenant, user.id, job_id)
        return Response(
            job_state(ctx.db, ctx.tenant, job, _store(ctx)), headers={"Cache-Control": "no-store"}
        )


def _uuids(values: list[str]) -> list[uuid.UUID]:
    # Choices that are not ids are dropped here; the order itself checks ownership.
    kept = []
    for value in values:
        try:
            kept.append(uuid.UUID(value))
        except ValueError:
            continue
    return kept


class OrderUploadController(Controller):
    """A reference file added from the order form: the file goes with the prompt and
    choices, so neither a refused file nor a good one loses what the user typed."""

    @post("/create/{product_key:str}/upload", sync_to_thread=True, status_code=303)
    def order_upload(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        product_key: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        key = _product_key(ctx, product_key)
        prompt = text(form, "prompt")
        selected = texts(form, "ref")
        file = form.get("file")

        def again(errors: dict[str, str], status_code: int) -> Response[str]:
            return _render_create(
                ctx,
                user,
                key,
                selected=selected,
                errors=errors,
                prompt=prompt,
                status_code=status_code,
            )

        if not isinstance(file, UploadFile):
            return again({"file": "Choose a file to upload."}, 400)
        # Litestar spools large bodies to an anonymous temporary file; closing it here
        # ends it with the request.
        try:
            upload = store_upload(
                ctx.db, ctx.runtime.store, ctx.tenant, user.id, file.file.read(), file.filename
            )
        except UploadRejected as exc:
            return again({"file": exc.reason}, status_of(exc))
        finally:
            file.file.close()
        product = ctx.tenant.products[key]
        if upload.kind not in product.references:
            accepted = ", ".join(product.references)
            return again(
                {
                    "file": f"The file is in your uploads, but {product.title} takes "
                    f"{accepted} files only; choose another."
                },
                422,
            )
        # The form is kept on the server (like a checkout draft) and the page shown by
        # GET, so reloading it does not send the file again.
        draft = save_draft(ctx.db, ctx.tenant, user.id, key, prompt, [*_uuids(selected), upload.id])
        return redirect(ctx, f"/create/{key}?draft={draft}")
