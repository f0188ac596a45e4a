"""What warren sends to a generation provider, what comes back, and how a provider fails.

:class:`GenerationRequest` is the *whole* outbound surface: everything a provider learns
about an order is in it. Every brand promises its users that requests to AI providers
are anonymised, so the type itself has no field for a user, an account, a tenant, an IP
address, a session or a job id. A provider cannot leak what it is never given, and a
reviewer can check the promise by reading one dataclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from warren.tenancy.tenant import ProductCategory

ReferenceKind = Literal["image", "audio", "video", "text"]


@dataclass(frozen=True)
class Reference:
    """One upload the user chose as input, already transformed by the upload pipeline.

    Images arrive re-encoded as JPEG with the tenant's maximum side, so no original (and
    no metadata of one) ever reaches a provider.
    """

    kind: ReferenceKind
    content_type: str
    data: bytes


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a provider may know about one generation, and nothing more.

    Deliberately absent: the user, their account, email or username, the tenant, the
    network address, the session and the job id. Anything identifying must stay on
    warren's side of the boundary; do not add such a field here.
    """

    category: ProductCategory
    # The catalogue key ("portrait", "greeting-card"); it chooses shapes and wording.
    product: str
    # The product's display title ("Greeting card").
    title: str
    prompt: str
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class GeneratedFile:
    data: bytes
    content_type: str
    # Without the dot: "jpg", "wav", "txt".
    extension: str
    # A short human title for the user's library.
    title: str
    # True for output of the offline demo provider, so the library can say so.
    is_demo: bool


@dataclass(frozen=True)
class ChatTurn:
    role: Literal["system", "user", "assistant"]
    content: str


class Provider(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> GeneratedFile:
        """One file for the request; raises :class:`ProviderError`."""

    def reply(self, turns: Sequence[ChatTurn]) -> str:
        """The assistant's next message after ``turns``; raises :class:`ProviderError`."""


class ProviderError(Exception):
    """A generation failed.

    ``reason`` is shown to the user as is, so it is a plain sentence with no secrets and
    no URLs. ``retryable`` says whether trying the same request later may succeed.
    """

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class UnsupportedRequest(ProviderError):
    """The provider cannot make this kind of output at all; retrying will not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)
