"""How shared and reported content is shown in a page: the same kinds as the job page
(image, audio and video inline; short texts as text; anything else as a download)."""

from __future__ import annotations

from dataclasses import dataclass

from warren.generation.status import TEXT_PREVIEW_BYTES, result_kind
from warren.storage.tenant_store import TenantStore

# Served inline only as media a browser shows as media: a provider answering with HTML
# must never get it rendered on the brand's origin.
INLINE_KINDS = frozenset({"image", "audio", "video"})


@dataclass(frozen=True)
class Preview:
    kind: str
    title: str
    # Where the page loads the file from (inline media) or offers it (download).
    file_url: str
    text: str | None


def preview(
    store: TenantStore, *, content_type: str, size: int, key: str, title: str, file_url: str
) -> Preview:
    kind = result_kind(content_type)
    text = None
    if kind == "text" and size <= TEXT_PREVIEW_BYTES and store.exists(key):
        data = b"".join(store.read_range(key, 0, min(size, TEXT_PREVIEW_BYTES)))
        text = data.decode("utf-8", errors="replace")
    return Preview(kind=kind, title=title, file_url=file_url, text=text)
