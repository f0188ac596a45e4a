"""What an upload is, judged by its bytes alone.

The file name and the browser's Content-Type are the user's (or an attacker's) claim;
warren never reads them. A type not listed here is refused, however it is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import filetype
from PIL import Image

from warren.media.text import decode_text, is_plain_text, looks_like_markup

Kind = Literal["image", "audio", "video", "text"]

# filetype only looks at the head of a file; a bigger slice would just be copied.
_HEAD = 8192


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: Kind
    content_type: str
    extension: str


# filetype's MIME name -> what warren calls it. Everything else is refused.
_ACCEPTED: dict[str, Sniffed] = {
    "image/jpeg": Sniffed("image", "image/jpeg", "jpg"),
    "image/png": Sniffed("image", "image/png", "png"),
    # An animated PNG is a PNG whose first frame is the still image.
    "image/apng": Sniffed("image", "image/png", "png"),
    "image/gif": Sniffed("image", "image/gif", "gif"),
    "image/webp": Sniffed("image", "image/webp", "webp"),
    "image/bmp": Sniffed("image", "image/bmp", "bmp"),
    "audio/x-wav": Sniffed("audio", "audio/wav", "wav"),
    "audio/mpeg": Sniffed("audio", "audio/mpeg", "mp3"),
    "audio/ogg": Sniffed("audio", "audio/ogg", "ogg"),
    "audio/x-flac": Sniffed("audio", "audio/flac", "flac"),
    "audio/mp4": Sniffed("audio", "audio/mp4", "m4a"),
    "audio/aac": Sniffed("audio", "audio/aac", "aac"),
    "video/mp4": Sniffed("video", "video/mp4", "mp4"),
    "video/quicktime": Sniffed("video", "video/quicktime", "mov"),
    "video/webm": Sniffed("video", "video/webm", "webm"),
}

# iPhone photos. Taken only when a HEIF plugin for Pillow is installed, because every
# image is decoded and re-encoded before warren keeps it.
_HEIC = Sniffed("image", "image/heic", "heic")

TEXT = Sniffed("text", "text/plain; charset=utf-8", "txt")

# Names for the refusal message, so a user learns what their file looked like.
_DESCRIPTIONS: dict[str, str] = {
    "application/x-msdownload": "Windows executable",
    "application/x-executable": "Linux executable",
    "application/pdf": "PDF document",
    "application/zip": "ZIP archive",
    "image/heic": "HEIC photo",
    "image/avif": "AVIF image",
    "image/tiff": "TIFF image",
    "video/x-matroska": "Matroska video",
    "video/x-msvideo": "AVI video",
}


def sniff(data: bytes) -> Sniffed | None:
    """The accepted type ``data`` is, or None when warren does not take it."""
    # Text first: clean UTF-8 is never one of the binary formats, while filetype's
    # two-byte signatures ("MZ", "BM", "ID3") would misfile a letter that starts so.
    if is_plain_text(data):
        return TEXT
    mime = _guess_mime(data)
    if mime is None:
        return None
    if mime == _HEIC.content_type:
        return _HEIC if heif_supported() else None
    return _ACCEPTED.get(mime)


def describe(data: bytes) -> str:
    """A short name for content warren refused, for the message the user sees."""
    mime = _guess_mime(data)
    if mime is not None:
        return _DESCRIPTIONS.get(mime, mime)
    text = decode_text(data)
    if text is not None and looks_like_markup(text):
        return "HTML, XML or SVG markup"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "text with control characters"


def heif_supported() -> bool:
    # Pillow learns formats lazily; init() loads every installed plugin, pillow-heif's too.
    Image.init()
    return "HEIF" in Image.OPEN


def _guess_mime(data: bytes) -> str | None:
    kind = filetype.guess(data[:_HEAD])
    if kind is None:
        return None
    mime: str = kind.mime
    return mime
