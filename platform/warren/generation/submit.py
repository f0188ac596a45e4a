"""Submitting an order: validate, reserve the points, store the job, enqueue after commit."""

from __future__ import annotations

import uuid

from sqlalchemy import DateTime, Uuid, bindparam, select, text
from sqlalchemy.orm import Session

from warren.billing.ledger import reserve
from warren.db.base import utcnow
from warren.errors import InvalidInput, NotFound
from warren.generation.models import Job, JobState
from warren.i18n import N_
from warren.media.models import Upload
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

RUN_JOB_ACTOR = "run_generation_job"
PROMPT_MAX = 4000


def _clean_prompt(prompt: str) -> str:
    return prompt.replace("\r\n", "\n").strip()


def submit_generation(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    product_key: str,
    prompt: str,
    reference_ids: list[uuid.UUID],
) -> Job:
    """Validate the order, reserve its price and queue it. Raises InvalidInput (field
    "prompt", "references"), InsufficientPoints or NotFound; the caller's unit of work
    commits, and only then is the job sent to a worker."""
    product = tenant.products.get(product_key)
    if product is None or product.category == "assistant":
        raise NotFound(N_("This product is not offered here."))
    prompt = _clean_prompt(prompt)
    errors: dict[str, str] = {}
    if not prompt:
        errors["prompt"] = N_("Describe what you would like us to make.")
    elif len(prompt) > PROMPT_MAX:
        errors["prompt"] = f"Keep the description under {PROMPT_MAX} characters."
    unique_refs = list(dict.fromkeys(reference_ids))
    if len(unique_refs) > tenant.media.max_references:
        errors["references"] = f"Choose at most {tenant.media.max_references} reference files."
    if unique_refs:
        uploads = list(
            db.scalars(
                select(Upload).where(
                    Upload.tenant_id == tenant.slug,
                    Upload.user_id == user_id,
                    Upload.id.in_(unique_refs),
                    Upload.deleted_at.is_(None),
                    Upload.expires_at > utcnow(),
                )
            )
        )
        if len(uploads) != len(unique_refs):
            errors["references"] = N_("One of the chosen reference files is no longer available.")
        elif any(upload.kind not in product.references for upload in uploads):
            allowed = ", ".join(product.references) or "no reference files"
            errors["references"] = f"{product.title} accepts {allowed}."
    if errors:
        raise InvalidInput(errors)
    return _create_job(
        db,
        tenant,
        user_id,
        product_key=product_key,
        category=product.category,
        provider=product.provider,
        prompt=prompt,
        price=product.price,
        reference_ids=unique_refs,
        assistant_key=None,
    )


# The job row as SQL text prepared once: the session's flush of a new Job object was a
# large part of a submission's CPU. The Job returned is the row as inserted, not attached
# to the session.
_ADD_JOB = text(
    """
    INSERT INTO jobs (
        id, tenant_id, user_id, product_key, category, assistant_key, provider, prompt,
        reference_ids, price, status, attempts, created_at, queued_at)
    VALUES (
        :b_id, :b_tenant, :b_user, :b_product_key, :b_category, :b_assistant_key,
        :b_provider, :b_prompt, CAST(:b_references AS uuid[]), :b_price, 'pending', 0,
        :b_now, :b_now)
    """
).bindparams(
    bindparam("b_id", type_=Uuid),
    bindparam("b_user", type_=Uuid),
    bindparam("b_now", type_=DateTime(timezone=True)),
)


def _create_job(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    *,
    product_key: str,
    category: str,
    provider: str,
    prompt: str,
    price: int,
    reference_ids: list[uuid.UUID],
    assistant_key: str | None,
) -> Job:
    now = utcnow()
    job = Job(
        id=uuid.uuid4(),
        tenant_id=tenant.slug,
        user_id=user_id,
        product_key=product_key,
        category=category,
        assistant_key=assistant_key,
        provider=provider,
        prompt=prompt,
        reference_ids=reference_ids,
        price=price,
        status=JobState.PENDING,
        attempts=0,
        created_at=now,
        queued_at=now,
    )
    reserve(db, tenant, user_id, job.id, price)
    db.execute(
        _ADD_JOB,
        {
            "b_id": job.id,
            "b_tenant": tenant.slug,
            "b_user": user_id,
            "b_product_key": product_key,
            "b_category": category,
            "b_assistant_key": assistant_key,
            "b_provider": provider,
            "b_prompt": prompt,
            "b_references": reference_ids,
            "b_price": price,
            "b_now": now,
        },
    )
    enqueue_after_commit(db, RUN_JOB_ACTOR, tenant.slug, str(job.id))
    return job


def submit_chat_reply(db: Session, tenant: Tenant, user_id: uuid.UUID, assistant_key: str) -> Job:
    """A job for the assistant's reply to the conversation as it stands."""
    product_key, product = next(
        (key, p) for key, p in tenant.products.items() if p.category == "assistant"
    )
    assistant = tenant.assistants[assistant_key]
    return _create_job(
        db,
        tenant,
        user_id,
        product_key=product_key,
        category="assistant",
        provider=assistant.provider,
        prompt="",
        price=product.price,
        reference_ids=[],
        assistant_key=assistant_key,
    )
