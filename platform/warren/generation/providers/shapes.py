"""The canvas shape of each image product, shared by every provider.

Cards and invitations are printed or sent like postcards, so they are landscape; a
portrait, a logo and a coat of arms read best square. Unknown products are square,
which every image service supports.
"""

from __future__ import annotations

from typing import Literal

Shape = Literal["square", "landscape"]

_LANDSCAPE = frozenset({"greeting-card", "invitation", "card", "postcard"})


def image_shape(product: str) -> Shape:
    return "landscape" if product in _LANDSCAPE else "square"
