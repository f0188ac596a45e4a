"""The errors an upload can end in, carrying what the user is told."""

from __future__ import annotations

from warren.errors import DomainError, PayloadTooLarge, Unprocessable, UnsupportedType


class UploadRejected(DomainError):
    """An upload warren will not keep.

    The message is shown to the user as it is, so it must say what to do next and must
    never echo text taken from the file (a name or a string in it could be crafted).
    """

    @property
    def reason(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class UploadTooLarge(UploadRejected, PayloadTooLarge):
    pass


class UploadUnsupported(UploadRejected, UnsupportedType):
    """Not a kind of file warren takes."""


class UploadCorrupt(UploadRejected, Unprocessable):
    """The right kind, but broken or hostile."""


def too_large(size: int, limit: int, what: str) -> UploadRejected:
    actual, allowed = megabytes(size), megabytes(limit)
    if actual == allowed:
        # Just over the limit rounds to the limit itself; "25 MB; at most 25 MB" helps nobody.
        actual, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return UploadTooLarge(f"This file is {actual}; {what} may be at most {allowed}.")


def megabytes(size: int) -> str:
    """Sizes as people read them: 25 MB, 31.2 MB (binary megabytes, as limits are set)."""
    value = size / (1024 * 1024)
    if value >= 0.1:
        text = f"{value:.1f}".removesuffix(".0")
        return f"{text} MB"
    # Below 0.1 MB a one-decimal MB figure would read "0 MB".
    return f"{max(1, round(size / 1024))} KB"
