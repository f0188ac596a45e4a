"""How fast warren turns a 24-megapixel phone photo into its 1536 px reference JPEG.

Run: .venv/bin/python bench/transform.py

Times, in one run on the same bytes: warren's transform_image, a naive Pillow pipeline
(decode everything, convert, LANCZOS resize, save), and libvips' thumbnail, which is
what a well-tuned image service would use. Targets: at least 2x faster than naive, and
warren's time at most 0.7x libvips' with quality at least that of LANCZOS (PSNR against
the naive LANCZOS pipeline printed). Missing a target is reported, not an error: ops
read the table.
"""

from __future__ import annotations

import io
import math
import statistics
import sys
import time
from collections.abc import Callable

from PIL import Image, ImageChops, ImageStat

from warren.media.image_transform import transform_image

WIDTH, HEIGHT = 6000, 4000
MAX_SIDE = 1536
RUNS = 9
LIBVIPS_GOAL = 0.7


def photo_like_jpeg() -> bytes:
    """Gradients plus grain, so the JPEG has the entropy of a real photo, not flat colour."""
    red = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    green = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
    blue = red.transpose(Image.Transpose.ROTATE_180)
    image = Image.merge("RGB", (red, green, blue))
    grain = Image.effect_noise((WIDTH, HEIGHT), 24).convert("RGB")
    image = Image.blend(image, grain, 0.18)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def warren(data: bytes) -> bytes:
    return transform_image(data, max_side=MAX_SIDE, max_pixels=100_000_000).jpeg


def naive(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    scale = MAX_SIDE / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def libvips(data: bytes) -> bytes:
    import pyvips

    thumbnail = pyvips.Image.thumbnail_buffer(data, MAX_SIDE)
    return bytes(thumbnail.jpegsave_buffer(Q=85))


def median_ms(pipelines: dict[str, Callable[[bytes], bytes]], data: bytes) -> dict[str, float]:
    """Median wall time of each pipeline, the runs taken in turns.

    Round-robin rather than one pipeline after another, so a noisy neighbour or a
    clock change on a shared machine slows every contender alike.
    """
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for pipeline in pipelines.values():
        pipeline(data)  # warm-up: imports, plugin registration, libvips start-up
    for _ in range(RUNS):
        for name, pipeline in pipelines.items():
            start = time.perf_counter()
            pipeline(data)
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(runs) for name, runs in times.items()}


def decoded(jpeg: bytes) -> Image.Image:
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.convert("RGB")


def psnr(image: Image.Image, reference: Image.Image) -> float:
    """How close an output is to the reference, in dB (higher is closer; 40+ is hard to tell)."""
    if image.size != reference.size:
        return float("nan")
    squares = ImageStat.Stat(ImageChops.difference(image, reference)).sum2
    mse = sum(squares) / (3 * image.width * image.height)
    return float("inf") if mse == 0 else 10 * math.log10(255**2 / mse)


def main() -> int:
    data = photo_like_jpeg()
    print(f"input: {WIDTH}x{HEIGHT} JPEG, {len(data) / 1_048_576:.1f} MB; {RUNS} runs each, median")
    pipelines: dict[str, Callable[[bytes], bytes]] = {"warren": warren, "naive Pillow": naive}
    try:
        import pyvips  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the bench extra is not installed
        print(f"libvips: not available ({exc}); install warren[bench]")
    else:
        pipelines["libvips"] = libvips

    results = median_ms(pipelines, data)
    # Quality yardstick: the naive pipeline decodes every pixel and uses LANCZOS.
    reference = decoded(naive(data))
    print(f"{'pipeline':<14} {'median ms':>10} {'output':>11} {'bytes':>9} {'PSNR vs naive':>14}")
    for name, pipeline in pipelines.items():
        output = pipeline(data)
        image = decoded(output)
        size = f"{image.width}x{image.height}"
        closeness = "reference" if pipeline is naive else f"{psnr(image, reference):.1f} dB"
        print(f"{name:<14} {results[name]:>10.1f} {size:>11} {len(output):>9} {closeness:>14}")

    ours = results["warren"]
    print(f"warren vs naive: {results['naive Pillow'] / ours:.2f}× faster (target ≥ 2)")
    if "libvips" in results:
        print(
            f"warren's time / libvips': {ours / results['libvips']:.2f}× (goal ≤ {LIBVIPS_GOAL}×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
