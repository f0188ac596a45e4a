"""Sizes of the re-encoded photo, as plain arithmetic so they can be tested alone."""

from __future__ import annotations

Size = tuple[int, int]


def fit_within(size: Size, max_side: int) -> Size:
    """``size`` scaled so its longer side is at most ``max_side``, never enlarged.

    The aspect ratio is kept to the nearest pixel and the longer side lands exactly on
    ``max_side``, so every big photo comes out at the size the tenant promises.
    """
    width, height = size
    if width <= 0 or height <= 0 or max_side <= 0:
        raise ValueError(f"cannot fit {size} within {max_side}")
    if max(width, height) <= max_side:
        return size
    if width >= height:
        return max_side, max(1, _rounded_ratio(height * max_side, width))
    return max(1, _rounded_ratio(width * max_side, height)), max_side


def draft_box(size: Size, max_side: int) -> Size:
    """The size to ask ``Image.draft`` for: the real target, in the photo's own shape.

    libjpeg can decode at 1/2, 1/4 or 1/8 scale for almost nothing, and Pillow picks the
    smallest of those that still covers the box on both axes. A square box (or the 2x
    box ``thumbnail()`` uses) covers too much on the short side, so on an ordinary 4:3
    or 3:2 photo no scaling happens and all 24 megapixels are decoded for nothing.
    """
    return fit_within(size, max_side)


def _rounded_ratio(numerator: int, denominator: int) -> int:
    # Integer rounding: float division can land a hair under .5 and lose a pixel.
    return (2 * numerator + denominator) // (2 * denominator)
