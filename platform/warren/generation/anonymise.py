"""The one place where a job becomes what a provider receives.

The policy promises that providers get only the prompt text and the transformed reference
images, once, for one generation. So the request is built here from the job's prompt and
its image uploads (already re-encoded JPEGs without metadata); text references are folded
into the prompt; audio and video uploads are never sent. Email addresses are removed from
the prompt, the text references and the chat history, and so is the user's username; a
final check refuses the request if any identifier of the user or the job still appears.

Every text is normalised before it is matched, and the normalised text is what is sent:
an address hidden by a zero-width space or a soft hyphen (Unicode format characters),
written with full-width letters or ``＠``, or percent-encoded (``%40``) would otherwise
slip past a pattern that a provider's model reads straight through.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from warren.generation.providers.base import ChatTurn, GenerationRequest, Reference
from warren.media.models import Upload
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Assistant, Tenant

# No dot required after the @: "name@localhost" is an address too.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")
EMAIL_PLACEHOLDER = "[email removed]"
USERNAME_PLACEHOLDER = "[name removed]"
TEXT_REFERENCE_MAX = 8000
# Each round undoes one layer (``%2540`` is ``%40`` is ``@``); more layers than this in a
# prompt are not a wording anyone needs, and the final check still stands behind it.
_NORMALISE_ROUNDS = 4


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


def normalise(text: str) -> str:
    """The text as a reader sees it: format characters dropped, compatibility forms
    (full-width letters, ``＠``) folded by NFKC, percent-escapes decoded."""
    for _ in range(_NORMALISE_ROUNDS):
        folded = unicodedata.normalize(
            "NFKC", "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        )
        decoded = unquote(folded) if "%" in folded else folded
        if decoded == text:
            break
        text = decoded
    return text


def _own_name(username: str) -> re.Pattern[str]:
    # Whole words only: a user called "ann" may order a song for Joanne.
    return re.compile(rf"(?<![\w.-]){re.escape(username)}(?![\w-])", re.IGNORECASE)


def scrub(text: str, identifiers: Identifiers) -> str:
    """Email addresses, and the user's own username, out of a text bound for a provider."""
    text = EMAIL.sub(EMAIL_PLACEHOLDER, normalise(text))
    if identifiers.username:
        text = _own_name(identifiers.username).sub(USERNAME_PLACEHOLDER, text)
    return text


def _check(
    user_texts: Sequence[str],
    fixed_texts: Sequence[str],
    blobs: Iterable[bytes],
    identifiers: Identifiers,
) -> None:
    """Refuse the request if an identifier survived the scrub.

    ``user_texts`` are the user's own words after scrubbing; ``fixed_texts`` are the
    tenant's (titles, system prompts). The username is looked for in the user's words
    only: a user named "poem" may order a poem, whose title says "Poem".
    """
    user_words = [_without_placeholders(normalise(text).casefold()) for text in user_texts]
    everything = user_words + [normalise(text).casefold() for text in fixed_texts]
    needles = [value for value in identifiers.values() if value and value != identifiers.username]
    for needle in needles:
        if any(needle.casefold() in text for text in everything):
            raise AnonymisationError("an identifier of the user would have been sent")
    if identifiers.username:
        own_name = _own_name(identifiers.username)
        if any(own_name.search(text) for text in user_words):
            raise AnonymisationError("the user's username would have been sent")
    for value in identifiers.values():
        if value and any(value.encode() in blob for blob in blobs):
            raise AnonymisationError("an identifier of the user is inside a reference file")


def _without_placeholders(text: str) -> str:
    # A user named "email" or "name" is not found again in what replaced them.
    for placeholder in (EMAIL_PLACEHOLDER, USERNAME_PLACEHOLDER):
        text = text.replace(placeholder.casefold(), " ")
    return text


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
    scrubbed = [scrub(prompt, identifiers), *(scrub(text, identifiers) for text in texts)]
    full_prompt = scrubbed[0] + "".join(f"\n\nReference text:\n{text}" for text in scrubbed[1:])
    request = GenerationRequest(
        category=product.category,
        product=product_key,
        title=product.title,
        prompt=full_prompt,
        references=tuple(images),
    )
    _check(
        scrubbed,
        [request.prompt, request.title, request.product],
        [r.data for r in images],
        identifiers,
    )
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
    _check([turn.content for turn in turns[1:]], [turns[0].content], [], identifiers)
    return turns
