"""Resizing split across the machine's cores.

Pillow resizes on one core but lets go of the GIL while it does, so horizontal
stripes resized in threads finish together. Each stripe reads the source rows its
filter needs beyond its own edges, so the result is the same, pixel for pixel, as one
resize of the whole image: this costs no quality, only threads.
"""

from __future__ import annotations

import os
import threading

from PIL import Image

from warren.media.geometry import Size

# Below this many output rows per stripe, starting threads costs more than it saves.
_MIN_STRIPE_ROWS = 256
_MAX_STRIPES = 4

Box = tuple[float, float, float, float]

# Transparent pixels must not bleed their colour into their neighbours when filtered.
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


def resize_striped(
    image: Image.Image,
    size: Size,
    *,
    resample: Image.Resampling,
    box: Box | None = None,
    reducing_gap: float | None = None,
) -> Image.Image:
    """``image.resize(size, resample, box, reducing_gap)``, the rows shared out to threads."""
    if image.mode in _PREMULTIPLIED:
        # resize() would premultiply alpha itself, once per stripe over the whole image;
        # doing it once here keeps that the same work as a single resize.
        premultiplied = image.convert(_PREMULTIPLIED[image.mode])
        resized = resize_striped(
            premultiplied, size, resample=resample, box=box, reducing_gap=reducing_gap
        )
        return resized.convert(image.mode)
    source = box or (0.0, 0.0, float(image.width), float(image.height))
    stripes = min(usable_cpus(), _MAX_STRIPES, size[1] // _MIN_STRIPE_ROWS)
    if stripes <= 1:
        return image.resize(size, resample, box=source, reducing_gap=reducing_gap)

    width, height = size
    left, top, right, bottom = source
    rows_per_output_row = (bottom - top) / height
    edges = [height * i // stripes for i in range(stripes + 1)]
    parts: list[Image.Image | None] = [None] * stripes
    errors: list[BaseException] = []

    def resize_stripe(index: int) -> None:
        first, last = edges[index], edges[index + 1]
        stripe_box = (
            left,
            top + first * rows_per_output_row,
            right,
            top + last * rows_per_output_row,
        )
        try:
            parts[index] = image.resize(
                (width, last - first), resample, box=stripe_box, reducing_gap=reducing_gap
            )
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)

    helpers = [threading.Thread(target=resize_stripe, args=(i,)) for i in range(1, stripes)]
    for helper in helpers:
        helper.start()
    resize_stripe(0)  # the calling thread takes a stripe too instead of only waiting
    for helper in helpers:
        helper.join()
    if errors:
        raise errors[0]

    result = Image.new(image.mode, size)
    for index, part in enumerate(parts):
        assert part is not None
        result.paste(part, (0, edges[index]))
    result.info = image.info.copy()  # what resize() would have carried (EXIF orientation)
    return result


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours taskset/cgroup pinning on Linux
    except AttributeError:  # macOS and Windows development machines
        return os.cpu_count() or 1
