"""The one entry point for an upload: check it, and turn it into what warren keeps."""

from __future__ import annotations

from dataclasses import dataclass

from warren.i18n import N_
from warren.media.containers import check_container
from warren.media.errors import UploadCorrupt, UploadUnsupported, too_large
from warren.media.image_transform import transform_image
from warren.media.sniff import Kind, describe, sniff
from warren.media.text import decode_text
from warren.tenancy.tenant import MediaSettings


@dataclass(frozen=True, slots=True)
class PreparedUpload:
    """What may be stored: for photos only the re-encoded JPEG, never the original."""

    kind: Kind
    content_type: str
    extension: str
    data: bytes
    width: int | None
    height: int | None


# How the limits read in a refusal ("photos may be at most 25 MB").
_NOUNS: dict[Kind, str] = {
    "image": "photos",
    "audio": "audio files",
    "video": "videos",
    "text": "text files",
}


def prepare_upload(data: bytes, media: MediaSettings) -> PreparedUpload:
    """Validate ``data`` against the tenant's limits and prepare it for storage.

    Raises UploadRejected: 413 too large, 415 not a type warren takes, 422 empty,
    damaged, cut short or a decompression bomb.
    """
    if not data:
        raise UploadCorrupt(N_("The file is empty."))
    # Before anything reads the content: no upload larger than any limit is worth sniffing.
    if len(data) > media.largest_upload:
        raise too_large(len(data), media.largest_upload, "uploads")

    sniffed = sniff(data)
    if sniffed is None:
        raise UploadUnsupported(
            "This file is not a supported photo, audio, video or text file "
            f"(detected: {describe(data)}).",
        )
    if sniffed.kind not in media.upload_kinds:
        # The brand's policy lists the kinds it collects; it takes no other.
        raise UploadUnsupported(f"This site does not take {_NOUNS[sniffed.kind]}.")
    limit = _limit(sniffed.kind, media)
    if len(data) > limit:
        raise too_large(len(data), limit, _NOUNS[sniffed.kind])

    if sniffed.kind == "image":
        image = transform_image(
            data, max_side=media.max_image_side, max_pixels=media.max_image_pixels
        )
        return PreparedUpload("image", "image/jpeg", "jpg", image.jpeg, image.width, image.height)
    if sniffed.kind == "text":
        if not decode_text(data):
            raise UploadCorrupt("The file is empty.")  # a byte-order mark and nothing else
    else:
        check_container(sniffed.content_type, data)
    return PreparedUpload(sniffed.kind, sniffed.content_type, sniffed.extension, data, None, None)


def _limit(kind: Kind, media: MediaSettings) -> int:
    limits: dict[Kind, int] = {
        "image": media.max_image_bytes,
        "audio": media.max_audio_bytes,
        "video": media.max_video_bytes,
        "text": media.max_text_bytes,
    }
    return limits[kind]
