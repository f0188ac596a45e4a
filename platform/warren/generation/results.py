"""A provider's answer is accepted only once warren has decoded it.

A service may answer 200 with a cut-off download, a picture header and nothing behind it,
an image of absurd size, or an empty text. Stored as is, that would be a "finished"
portrait the user paid for and cannot open. So before a result is stored:

- an image must be a picture type warren takes, open with Pillow and decode completely
  (``load()``), within :data:`MAX_SIDE` a side and :data:`MAX_PIXELS` in all (checked
  from the header, before decoding, so a decompression bomb is never expanded);
- a song must be an audio file and a video a video file whose container parses (the same
  structural checks as uploads); the demo provider's clips are animated GIFs, held to
  the image rules and required to have more than one frame;
- a text must be UTF-8 and not empty, and so must an assistant's reply.

The stored type comes from the bytes, never from the provider's claim. A rejected answer
raises :class:`MalformedResult`, which is not retried: asking again with the same request
mostly yields the same broken answer, and each ask is billed by the provider. The job
fails with the reason and the points are refunded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import replace

from PIL import Image

from warren.generation.providers.base import GeneratedFile, ProviderError
from warren.media.containers import check_container
from warren.media.errors import UploadRejected
from warren.media.sniff import sniff
from warren.tenancy.tenant import ProductCategory

MAX_SIDE = 4096
MAX_PIXELS = 4096 * 4096

_NOUN: dict[ProductCategory, str] = {
    "image": "picture",
    "song": "song",
    "video": "video",
    "poem": "text",
    "text": "text",
    "assistant": "reply",
}


class MalformedResult(ProviderError):
    """The provider answered, but not with a usable result of the kind ordered."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


def accept_file(category: ProductCategory, produced: GeneratedFile) -> GeneratedFile:
    """``produced`` with its type taken from its bytes, or MalformedResult."""
    noun = _NOUN[category]
    if category in ("poem", "text"):
        accept_reply(_utf8(produced.data, noun), noun)
        return replace(produced, content_type="text/plain; charset=utf-8", extension="txt")
    sniffed = sniff(produced.data)
    if sniffed is None:
        raise MalformedResult(f"The provider sent a {noun} warren does not recognise.")
    if category == "image" and sniffed.kind == "image":
        _decode_image(produced.data, noun, animated=False)
    elif category == "video" and sniffed.content_type == "image/gif":
        _decode_image(produced.data, noun, animated=True)
    elif (category, sniffed.kind) in (("song", "audio"), ("video", "video")):
        try:
            check_container(sniffed.content_type, produced.data)
        except UploadRejected:
            raise MalformedResult(
                f"The provider sent a {noun} that is damaged or cut short."
            ) from None
    else:
        article = "an" if sniffed.kind in ("image", "audio") else "a"
        raise MalformedResult(
            f"The provider sent {article} {sniffed.kind} file instead of a {noun}."
        )
    return replace(produced, content_type=sniffed.content_type, extension=sniffed.extension)


def accept_reply(text: str, noun: str = "reply") -> str:
    if not text.strip():
        raise MalformedResult(f"The provider sent an empty {noun}.")
    return text


def _utf8(data: bytes, noun: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedResult(f"The provider sent a {noun} that is not readable text.") from None


def _decode_image(data: bytes, noun: str, *, animated: bool) -> None:
    broken = MalformedResult(f"The provider sent a {noun} that is damaged or cut short.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; the limits below
            # decide, so the warning is noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                    raise MalformedResult(
                        f"The provider sent a {noun} of {width}×{height} pixels, "
                        f"larger than warren accepts ({MAX_SIDE} a side)."
                    )
                frames = getattr(image, "n_frames", 1)
                if animated and frames < 2:
                    raise MalformedResult(f"The provider sent a still picture instead of a {noun}.")
                for frame in range(frames):
                    image.seek(frame)
                    image.load()
    except Image.DecompressionBombError:
        raise MalformedResult(f"The provider sent a {noun} larger than warren accepts.") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
