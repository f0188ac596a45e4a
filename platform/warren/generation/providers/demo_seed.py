"""A digest of a request, so the demo provider's output is a pure function of it.

Equal requests give byte-equal files (tests and screenshots stay stable); a different
prompt or reference gives visibly different output, so users see their input was used.
"""

from __future__ import annotations

import hashlib
import random

from warren.generation.providers.base import GenerationRequest


def request_seed(request: GenerationRequest) -> bytes:
    digest = hashlib.sha256()
    # Length-prefixed parts: ("ab", "c") and ("a", "bc") must not collide.
    parts = [request.category, request.product, request.title, request.prompt]
    for part in parts:
        _feed(digest, part.encode())
    for reference in request.references:
        _feed(digest, reference.kind.encode())
        _feed(digest, reference.content_type.encode())
        _feed(digest, reference.data)
    return digest.digest()


def seeded_random(seed: bytes) -> random.Random:
    # random.Random is fine here: the demo needs repeatability, not secrecy.
    return random.Random(int.from_bytes(seed, "big"))


def _feed(digest: hashlib._Hash, data: bytes) -> None:
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)
