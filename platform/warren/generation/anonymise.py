"""The one place where a job becomes what a provider receives.

The policy promises that providers get only the prompt text and the transformed reference
images, once, for one generation. So the request is built here from the job's prompt and
its image uploads (already re-encoded JPEGs without metadata); text references are folded
into the prompt; audio and video uploads are never sent. Email addresses are removed from
the prompt, and so is the user's username; a final check refuses the request if any
identifier of the user or the job still appears in it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warren.generation.providers.base import ChatTurn, GenerationRequest, Reference
from warren.media.models import Upload
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Assistant, Tenant

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
EMAIL_PLACEHOLDER = "[email removed]"
USERNAME_PLACEHOLDER = "[name removed]"
TEXT_REFERENCE_MAX = 8000


class AnonymisationError(Exception):
    """An identifier would have left for a provider; the request was not sent."""


@dataclass(frozen=True)
class Identifiers:
    """What must never reach a provider for this job."""

    user_id: uuid.UUID
    job_id: uuid.UUID
    email: str
    username: str

    def values(self) -> list[str]:
        return [
            str(self.user_id),
            self.user_id.hex,
            str(self.job_id),
            self.job_id.hex,
            self.email,
            self.username,
        ]


def scrub(text: str, identifiers: Identifiers) -> str:
    """Email addresses, and the user's own username, out of a text bound for a provider."""
    text = EMAIL.sub(EMAIL_PLACEHOLDER, text)
    if identifiers.username:
        own_name = re.compile(
            rf"(?<![\w.-]){re.escape(identifiers.username)}(?![\w-])", re.IGNORECASE
        )
        text = own_name.sub(USERNAME_PLACEHOLDER, text)
    return text


def _check(texts: Iterable[str], blobs: Iterable[bytes], identifiers: Identifiers) -> None:
    needles = [value for value in identifiers.values() if value]
    lowered = [text.lower() for text in texts]
    for needle in needles:
        token = needle.lower()
        if any(token in text for text in lowered):
            raise AnonymisationError("an identifier of the user would have been sent")
        raw = needle.encode()
        if any(raw in blob for blob in blobs):
            raise AnonymisationError("an identifier of the user is inside a reference file")


def generation_request(
    tenant: Tenant,
    product_key: str,
    prompt: str,
    references: Sequence[Upload],
    store: TenantStore,
    identifiers: Identifiers,
) -> GenerationRequest:
    product = tenant.products[product_key]
    images: list[Reference] = []
    texts: list[str] = []
    for upload in references:
        if upload.kind == "image":
            images.append(
                Reference(
                    kind="image", content_type="image/jpeg", data=store.get(upload.storage_key)
                )
            )
        elif upload.kind == "text":
            texts.append(store.get(upload.storage_key).decode("utf-8-sig")[:TEXT_REFERENCE_MAX])
    full_prompt = scrub(prompt, identifiers)
    if texts:
        full_prompt += "".join(f"\n\nReference text:\n{scrub(text, identifiers)}" for text in texts)
    request = GenerationRequest(
        category=product.category,
        product=product_key,
        title=product.title,
        prompt=full_prompt,
        references=tuple(images),
    )
    _check([request.prompt, request.title, request.product], [r.data for r in images], identifiers)
    return request


def chat_turns(
    assistant: Assistant, messages: Sequence[tuple[str, str]], identifiers: Identifiers
) -> list[ChatTurn]:
    """System prompt plus the kept conversation, as (role, content) pairs."""
    turns = [ChatTurn(role="system", content=assistant.system_prompt)]
    for role, content in messages:
        turns.append(
            ChatTurn(
                role="assistant" if role == "assistant" else "user",
                content=scrub(content, identifiers),
            )
        )
    _check([turn.content for turn in turns], [], identifiers)
    return turns
