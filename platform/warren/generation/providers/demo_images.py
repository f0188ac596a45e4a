"""The demo provider's pictures: a labelled JPEG showing the product, the prompt and
the user's reference image, so every step after generation can be tried for real."""

from __future__ import annotations

import io

from PIL import ImageDraw

from warren.generation.providers.base import GeneratedFile, GenerationRequest
from warren.generation.providers.demo_drawing import (
    DEMO_NOTE,
    Colour,
    draw_label,
    font,
    gradient,
    load_reference,
    tinted,
    wrap,
)
from warren.generation.providers.demo_seed import seeded_random
from warren.generation.providers.shapes import image_shape
from warren.generation.providers.titles import library_title

SIZES = {"square": (1024, 1024), "landscape": (1024, 768)}


def render_image(request: GenerationRequest, seed: bytes) -> GeneratedFile:
    rng = seeded_random(seed)
    width, height = SIZES[image_shape(request.product)]
    dark: Colour = (rng.randrange(10, 70), rng.randrange(10, 70), rng.randrange(40, 110))
    light: Colour = (rng.randrange(170, 250), rng.randrange(150, 240), rng.randrange(120, 230))
    image = gradient((width, height), dark, light)
    draw = ImageDraw.Draw(image)

    margin = width // 16
    title_face = font(height // 14)
    draw.text((width / 2, margin), request.title, font=title_face, fill="white", anchor="mt")

    # The middle holds the user's reference when there is one, else a seeded emblem.
    art_top = margin + height // 9
    art_side = min(width - 2 * margin, height // 2)
    art_box = ((width - art_side) // 2, art_top)
    reference = load_reference(request.references)
    if reference is not None:
        accent: Colour = (light[2], light[0], light[1])
        image.paste(tinted(reference, (art_side, art_side), dark, accent), art_box)
    else:
        _emblem(draw, art_box, art_side, rng.randrange(3, 9), light, dark)
    draw.rectangle(
        (art_box[0], art_box[1], art_box[0] + art_side, art_box[1] + art_side),
        outline="white",
        width=4,
    )

    text_face = font(height // 30)
    text_top = art_top + art_side + height // 30
    line_height = int(height / 30 * 1.35)
    room = (height - height // 12 - text_top) // line_height
    for index, line in enumerate(wrap(draw, request.prompt, text_face, width - 2 * margin, room)):
        draw.text(
            (width / 2, text_top + index * line_height),
            line,
            font=text_face,
            fill="white",
            anchor="mt",
        )

    draw_label(image)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, comment=DEMO_NOTE)
    return GeneratedFile(
        data=out.getvalue(),
        content_type="image/jpeg",
        extension="jpg",
        title=library_title(request.title.lower(), request.prompt, prefix="Demo "),
        is_demo=True,
    )


def _emblem(
    draw: ImageDraw.ImageDraw,
    corner: tuple[int, int],
    side: int,
    rings: int,
    light: Colour,
    dark: Colour,
) -> None:
    """Concentric rings whose count and colours come from the request, as a stand-in."""
    left, top = corner
    for ring in range(rings):
        inset = ring * side // (2 * rings)
        colour = light if ring % 2 == 0 else dark
        draw.ellipse(
            (left + inset, top + inset, left + side - inset, top + side - inset), fill=colour
        )
