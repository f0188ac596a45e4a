"""Ordering: the create page, uploads, the job page and its live status."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response
from sqlalchemy import select

from warren.billing.ledger import balance
from warren.generation.models import Job
from warren.generation.submit import submit_generation
from warren.library.models import ContentItem
from warren.media.uploads import user_uploads
from warren.web.forms import FormData, form_values
from warren.web.page import Page


def _job_of(page: Page, job_id: uuid.UUID) -> Job:
    assert page.user is not None
    job = page.db.scalar(
        select(Job).where(
            Job.id == job_id, Job.tenant_id == page.tenant.slug, Job.user_id == page.user.id
        )
    )
    if job is None:
        raise NotFoundException()
    return job


def job_status(page: Page, job: Job) -> dict[str, Any]:
    item = page.db.scalar(
        select(ContentItem).where(
            ContentItem.job_id == job.id, ContentItem.tenant_id == page.tenant.slug
        )
    )
    return {
        "status": job.status,
        "error": job.error,
        "attempts": job.attempts,
        "item": None
        if item is None
        else {
            "title": item.title,
            "content_type": item.content_type,
            "download": f"/library/{item.id}/download",
            "view": f"/library/{item.id}/view",
        },
    }


class GenerationController(Controller):
    include_in_schema = False

    @get("/create/{product_key:str}", sync_to_thread=True)
    def create_form(
        self, page: NamedDependency[Page], product_key: FromPath[str]
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        product = page.tenant.products.get(product_key)
        if product is None:
            raise NotFoundException()
        if product.category == "assistant":
            return page.redirect("/assistants")
        return self._render_create(page, product_key, errors=[], prompt="", status_code=200)

    def _render_create(
        self,
        page: Page,
        product_key: str,
        *,
        errors: list[str],
        prompt: str,
        status_code: int,
    ) -> Response[str]:
        assert page.user is not None
        product = page.tenant.products[product_key]
        references = [
            u
            for u in user_uploads(page.db, page.tenant, page.user.id)
            if u.kind in product.references
        ]
        return page.render(
            "create.html",
            status_code,
            product_key=product_key,
            product=product,
            references=references,
            selected=page.request.query_params.getall("ref", []),
            balance=balance(page.db, page.tenant, page.user.id),
            errors=errors,
            prompt=prompt,
        )

    @post("/create/{product_key:str}", sync_to_thread=True, status_code=303)
    def create_submit(
        self, page: NamedDependency[Page], product_key: FromPath[str], data: FormData
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        if product_key not in page.tenant.products:
            raise NotFoundException()
        try:
            reference_ids = [uuid.UUID(value) for value in form_values(page.request, "ref")]
        except ValueError:
            reference_ids = []
        prompt = data.get("prompt", "")
        result = submit_generation(
            page.db, page.tenant, page.user.id, product_key, prompt, reference_ids
        )
        if result.job is None:
            return self._render_create(
                page,
                product_key,
                errors=result.errors,
                prompt=prompt,
                status_code=result.status_code,
            )
        page.db.commit()
        return page.redirect(f"/jobs/{result.job.id}")

    @get("/jobs/{job_id:uuid}", sync_to_thread=True)
    def job_page(
        self, page: NamedDependency[Page], job_id: FromPath[uuid.UUID]
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        job = _job_of(page, job_id)
        product = page.tenant.products.get(job.product_key)
        return page.render("job.html", job=job, product=product, state=job_status(page, job))

    @get("/jobs/{job_id:uuid}/status", sync_to_thread=True)
    def job_status_json(
        self, page: NamedDependency[Page], job_id: FromPath[uuid.UUID]
    ) -> Response[dict[str, Any]]:
        if page.user is None:
            raise NotFoundException()
        job = _job_of(page, job_id)
        return Response(job_status(page, job), headers={"Cache-Control": "no-store"})
