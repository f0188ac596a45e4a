"""Drawing helpers the demo's images and videos share: fonts, wrapping, the demo label.

Fonts: DejaVu Sans when the machine has it (it covers Cyrillic, which many of warren's
users write in), otherwise Pillow's bundled default font. Nothing is downloaded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from warren.generation.providers.base import ProviderError, Reference

Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Embedded in every demo file's metadata as well as drawn, so software can tell too.
DEMO_NOTE = "DEMO OUTPUT - generated offline by warren's demo provider, not by an AI service"
DEMO_LABEL = "DEMO OUTPUT"

_LABEL_BACKGROUND: Colour = (20, 20, 20)
_LABEL_TEXT: Colour = (255, 214, 0)


@lru_cache(maxsize=32)
def font(size: int) -> Font:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def wrap(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a cut last line ends with an ellipsis."""
    lines: list[str] = []
    current = ""
    cut = False
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if not current or draw.textlength(candidate, font=face) <= width:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines:
            # Stop early: a long prompt must not cost a measurement per word.
            cut = True
            current = ""
            break
    if current:
        lines.append(current)
    if cut:
        lines[-1] = _ellipsis(draw, lines[-1], face, width)
    # A single word wider than the line (a URL, a long name) is cut as well.
    return [
        line if draw.textlength(line, font=face) <= width else _ellipsis(draw, line, face, width)
        for line in lines
    ]


def _ellipsis(draw: ImageDraw.ImageDraw, line: str, face: Font, width: int) -> str:
    while line and draw.textlength(line + "…", font=face) > width:
        line = line[:-1]
    return line.rstrip() + "…"


def gradient(size: tuple[int, int], top: Colour, bottom: Colour) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size)
    return ImageOps.colorize(ramp, top, bottom).convert("RGB")


def draw_label(image: Image.Image, text: str = DEMO_LABEL) -> None:
    """A dark band along the bottom with the label in high-contrast yellow."""
    draw = ImageDraw.Draw(image)
    width, height = image.size
    band = max(28, height // 12)
    face = font(int(band * 0.6))
    draw.rectangle((0, height - band, width, height), fill=_LABEL_BACKGROUND)
    draw.text((width / 2, height - band / 2), text, font=face, fill=_LABEL_TEXT, anchor="mm")


def load_reference(references: Sequence[Reference]) -> Image.Image | None:
    """The first reference image as RGB, or None when the request has none."""
    for reference in references:
        if reference.kind != "image":
            continue
        try:
            with Image.open(io.BytesIO(reference.data)) as opened:
                return opened.convert("RGB")
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
            raise ProviderError("The reference image could not be read.", retryable=False) from exc
    return None


def tinted(
    reference: Image.Image, size: tuple[int, int], dark: Colour, light: Colour
) -> Image.Image:
    """The reference cropped to ``size`` and posterised in two tones.

    Clearly the user's picture, clearly not a finished artwork.
    """
    fitted = ImageOps.fit(reference, size, method=Image.Resampling.BILINEAR)
    toned = ImageOps.colorize(ImageOps.grayscale(fitted), dark, light)
    return ImageOps.posterize(toned.convert("RGB"), 3)
