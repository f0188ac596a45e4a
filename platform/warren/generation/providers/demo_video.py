"""The demo provider's videos: a short labelled animated GIF.

A GIF because Pillow can write one without a codec or a subprocess; it plays in every
browser, so the library's video player path is exercised by something real.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from warren.generation.providers.base import GeneratedFile, GenerationRequest
from warren.generation.providers.demo_drawing import (
    DEMO_LABEL,
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
from warren.generation.providers.titles import library_title

SIZE = (480, 360)
FRAMES = 12
FRAME_MS = 120


def render_video(request: GenerationRequest, seed: bytes) -> GeneratedFile:
    rng = seeded_random(seed)
    width, height = SIZE
    dark: Colour = (rng.randrange(10, 80), rng.randrange(10, 80), rng.randrange(40, 120))
    light: Colour = (rng.randrange(160, 250), rng.randrange(160, 250), rng.randrange(120, 240))
    reference = load_reference(request.references)
    if reference is not None:
        # Slightly larger than the frame so the picture can pan across the frames.
        backdrop = tinted(reference, (width + FRAMES * 4, height), dark, light)
    else:
        backdrop = gradient((width + FRAMES * 4, height), dark, light)

    measure = ImageDraw.Draw(backdrop)
    title_face = font(28)
    caption_face = font(18)
    caption = wrap(measure, request.prompt, caption_face, width - 40, 3)
    frames: list[Image.Image] = []
    for index in range(FRAMES):
        frame = backdrop.crop((index * 4, 0, index * 4 + width, height))
        draw = ImageDraw.Draw(frame)
        x = width * (index + 1) / (FRAMES + 1)
        draw.text((x, height * 0.3), request.title, font=title_face, fill="white", anchor="mm")
        for row, line in enumerate(caption):
            y = height * 0.5 + row * 24
            draw.text((width / 2, y), line, font=caption_face, fill="white", anchor="mm")
        draw_label(frame, f"{DEMO_LABEL} {index + 1}/{FRAMES}")
        frames.append(frame)

    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=FRAME_MS,
        loop=0,
        comment=DEMO_NOTE,
    )
    return GeneratedFile(
        data=out.getvalue(),
        content_type="image/gif",
        extension="gif",
        title=library_title(request.title.lower(), request.prompt, prefix="Demo "),
        is_demo=True,
    )
