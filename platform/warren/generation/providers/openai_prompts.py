"""What warren asks an OpenAI-compatible service for: instructions and messages.

Only the prompt and the references of a :class:`GenerationRequest` are put into a
message; nothing about the user or the brand is, because the request carries nothing.
"""

from __future__ import annotations

import base64
from typing import Any

from warren.generation.providers.base import GenerationRequest, UnsupportedRequest

# Known products get a precise instruction; any other falls back to its title.
_INSTRUCTIONS = {
    "poem": "Write a poem.",
    "greeting": "Write a warm greeting.",
    "formal-letter": "Write a formal letter, clear and polite.",
    "marketing-copy": "Write marketing copy for a product page, post or advert.",
}
_ONLY_THE_RESULT = (
    "Answer with the finished text only, with no preamble and no notes. "
    "Write in the language of the request."
)


def instruction(request: GenerationRequest) -> str:
    if request.product in _INSTRUCTIONS:
        task = _INSTRUCTIONS[request.product]
    elif request.category == "poem":
        task = f"Write a poem ({request.title})."
    else:
        task = f"Write this kind of text: {request.title}."
    return f"{task} {_ONLY_THE_RESULT}"


def writing_messages(request: GenerationRequest) -> list[dict[str, Any]]:
    """Chat messages for a poem or text: the instruction, then the user's prompt.

    Text references are appended to the prompt; image references become image parts,
    which vision-capable chat models read. Audio and video cannot be sent to a chat API.
    """
    text = request.prompt
    images: list[dict[str, Any]] = []
    for number, reference in enumerate(request.references, start=1):
        if reference.kind == "text":
            content = reference.data.decode("utf-8", errors="replace")
            text += f"\n\nReference text {number}:\n{content}"
        elif reference.kind == "image":
            encoded = base64.b64encode(reference.data).decode("ascii")
            url = f"data:{reference.content_type};base64,{encoded}"
            images.append({"type": "image_url", "image_url": {"url": url}})
        else:
            raise UnsupportedRequest(
                f"This provider cannot use {reference.kind} references for writing."
            )
    user: str | list[dict[str, Any]] = text
    if images:
        user = [{"type": "text", "text": text}, *images]
    return [
        {"role": "system", "content": instruction(request)},
        {"role": "user", "content": user},
    ]


def image_prompt(request: GenerationRequest) -> str:
    """The product title and the prompt; text references are added as extra detail."""
    parts = [f"{request.title}: {request.prompt}"]
    for reference in request.references:
        if reference.kind == "text":
            parts.append(reference.data.decode("utf-8", errors="replace"))
        elif reference.kind != "image":
            raise UnsupportedRequest(
                f"This provider cannot use {reference.kind} references for pictures."
            )
    return "\n\n".join(parts)
