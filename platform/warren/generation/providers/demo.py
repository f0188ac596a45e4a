"""The demo provider: real files made offline, so warren works with no provider account.

Every output is clearly a demo (a visible label, a header line, a metadata note and
``is_demo``), deterministic for equal requests, and shaped like the real thing (JPEG
pictures, WAV songs, GIF videos, plain-text poems and texts), so the library, downloads
and retention can all be tried end to end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from warren.generation.providers.base import (
    ChatTurn,
    GeneratedFile,
    GenerationRequest,
    UnsupportedRequest,
)
from warren.generation.providers.demo_audio import render_song
from warren.generation.providers.demo_images import render_image
from warren.generation.providers.demo_seed import request_seed
from warren.generation.providers.demo_text import demo_reply, render_poem, render_text
from warren.generation.providers.demo_video import render_video

_Renderer = Callable[[GenerationRequest, bytes], GeneratedFile]

_RENDERERS: dict[str, _Renderer] = {
    "image": render_image,
    "song": render_song,
    "poem": render_poem,
    "text": render_text,
    "video": render_video,
}


class DemoProvider:
    name = "demo"

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        renderer = _RENDERERS.get(request.category)
        if renderer is None:
            # Assistants answer through reply(); there is no file to make.
            raise UnsupportedRequest("Assistants answer in a chat, not with a file.")
        return renderer(request, request_seed(request))

    def reply(self, turns: Sequence[ChatTurn]) -> str:
        return demo_reply(turns)
