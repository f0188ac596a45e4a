"""Files a user might upload, made on the fly (no binary fixtures in the repository)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

EXIF_ARTIST = 0x013B
EXIF_ORIENTATION = 0x0112


def photo(
    width: int = 3000, height: int = 2000, *, artist: str = "", comment: bytes = b""
) -> bytes:
    """A JPEG photo with EXIF (orientation, artist) and an optional JPEG comment."""
    image = Image.new("RGB", (width, height), (90, 140, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 97):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 80, 160), width=9)
    draw.rectangle([0, 0, width // 5, height // 5], fill=(255, 0, 0))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 1
    if artist:
        exif[EXIF_ARTIST] = artist
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif.tobytes(), comment=comment)
    return out.getvalue()
