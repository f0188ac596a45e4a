"""A provider speaking the OpenAI HTTP API, or any service that imitates it.

Poems and texts use ``/chat/completions``, pictures ``/images/generations`` (or
``/images/edits`` when the user gave a reference image), assistants
``/chat/completions`` with the conversation. Songs and videos have no common
OpenAI-compatible API, so this provider refuses them rather than guessing.

Reference images: the *first* image reference is sent to ``/images/edits`` as the
``image`` file (already a re-encoded JPEG from the upload pipeline); further image
references are not sent, because not every compatible service accepts more than one.

Nothing identifying goes out: the payloads are built from a :class:`GenerationRequest`
(which has no such field) and never carry OpenAI's optional ``user`` field.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from warren.generation.providers.base import (
    ChatTurn,
    GeneratedFile,
    GenerationRequest,
    ProviderError,
    UnsupportedRequest,
)
from warren.generation.providers.openai_prompts import image_prompt, writing_messages
from warren.generation.providers.openai_transport import Transport
from warren.generation.providers.shapes import image_shape
from warren.generation.providers.titles import library_title
from warren.media.sniff import sniff

# Sizes DALL·E 3 accepts together with response_format=b64_json; most compatible
# services accept them too.
IMAGE_SIZES = {"square": "1024x1024", "landscape": "1792x1024"}

_IMAGE_SERVICE = "image service"
_TEXT_SERVICE = "text service"
_CHAT_SERVICE = "assistant service"


class OpenAICompatibleProvider:
    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str,
        *,
        chat_model: str,
        image_model: str | None,
        timeout: float = 60.0,
        client: httpx.Client | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # The URL itself is not echoed: it may carry a key in its query.
            raise ValueError(f"provider {name!r}: the base URL must be an http(s) URL with a host")
        if not api_key:
            raise ValueError(f"provider {name!r}: the API key is empty")
        if not timeout > 0:
            raise ValueError(f"provider {name!r}: the timeout must be positive")
        self.name = name
        self._chat_model = chat_model
        self._image_model = image_model
        self._transport = Transport(
            base_url,
            api_key,
            timeout=timeout,
            client=client,
        )

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        if request.category in ("poem", "text"):
            return self._write(request)
        if request.category == "image":
            return self._draw(request)
        if request.category == "song":
            raise UnsupportedRequest("This provider cannot make songs.")
        if request.category == "video":
            raise UnsupportedRequest("This provider cannot make videos.")
        raise UnsupportedRequest("Assistants answer in a chat, not with a file.")

    def reply(self, turns: Sequence[ChatTurn]) -> str:
        if not turns:
            raise ProviderError("There is nothing to reply to yet.", retryable=False)
        messages = [{"role": turn.role, "content": turn.content} for turn in turns]
        return self._chat(messages, _CHAT_SERVICE)

    def _write(self, request: GenerationRequest) -> GeneratedFile:
        text = self._chat(writing_messages(request), _TEXT_SERVICE)
        return GeneratedFile(
            data=(text.rstrip() + "\n").encode("utf-8"),
            content_type="text/plain; charset=utf-8",
            extension="txt",
            title=library_title(request.title, request.prompt),
            is_demo=False,
        )

    def _chat(self, messages: list[dict[str, Any]], service: str) -> str:
        payload = {"model": self._chat_model, "messages": messages}
        body = self._transport.post_json("chat/completions", payload, service)
        try:
            choice = body["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ProviderError(
                f"The {service} sent an answer warren could not read.", retryable=False
            ) from None
        if choice.get("finish_reason") == "content_filter":
            raise ProviderError(f"The {service} declined this request.", retryable=False)
        if not isinstance(content, str) or not content.strip():
            raise ProviderError(f"The {service} sent an empty answer.", retryable=False)
        return content.strip()

    def _draw(self, request: GenerationRequest) -> GeneratedFile:
        if self._image_model is None:
            raise UnsupportedRequest("This provider cannot make pictures.")
        fields = {
            "model": self._image_model,
            "prompt": image_prompt(request),
            "n": 1,
            "size": IMAGE_SIZES[image_shape(request.product)],
            "response_format": "b64_json",
        }
        reference = next((ref for ref in request.references if ref.kind == "image"), None)
        if reference is None:
            body = self._transport.post_json("images/generations", fields, _IMAGE_SERVICE)
        else:
            upload = ("reference.jpg", reference.data, reference.content_type)
            form = {key: str(value) for key, value in fields.items()}
            body = self._transport.post_multipart(
                "images/edits", form, {"image": upload}, _IMAGE_SERVICE
            )
        data = _decode_image(body)
        sniffed = sniff(data)
        if sniffed is None or sniffed.kind != "image":
            raise ProviderError(
                "The image service sent a file warren does not recognise as a picture.",
                retryable=False,
            )
        return GeneratedFile(
            data=data,
            content_type=sniffed.content_type,
            extension=sniffed.extension,
            title=library_title(request.title, request.prompt),
            is_demo=False,
        )


def _decode_image(body: dict[str, Any]) -> bytes:
    try:
        encoded = body["data"][0]["b64_json"]
        if not isinstance(encoded, str):
            raise TypeError("b64_json is not a string")
        return base64.b64decode(encoded, validate=True)
    except (KeyError, IndexError, TypeError, binascii.Error):
        # A service that answers with a URL instead is not followed: the picture would
        # come from a host warren was never configured to talk to.
        raise ProviderError(
            "The image service sent an answer warren could not read.", retryable=False
        ) from None
