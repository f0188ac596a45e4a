"""Domain errors: what a service says went wrong, in words a user can read.

Services raise these and know nothing of HTTP; the web layer maps each class to a
status code and a branded page (or JSON) in one place (``warren.web.errors``). The
message is shown to the user as it is, so it must never echo untrusted input.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class: ``message`` is a sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    def __init__(self, message: str = "There is nothing here.") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    """The request collides with what exists (a taken name, a state that moved on)."""


class Gone(DomainError):
    """It existed, but its time is over (a trash period that has passed)."""


class InvalidInput(DomainError):
    """Input a user can correct; ``fields`` maps a form field (or "form") to its message."""

    def __init__(self, fields: Mapping[str, str] | str) -> None:
        self.fields = dict(fields) if isinstance(fields, Mapping) else {"form": fields}
        super().__init__(" ".join(self.fields.values()))


class InsufficientPoints(DomainError):
    def __init__(self, needed: int, balance: int) -> None:
        self.needed = needed
        self.balance = balance
        super().__init__(f"This needs {needed} energy points; you have {balance}.")


class RateLimited(DomainError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class PayloadTooLarge(DomainError):
    pass


class UnsupportedType(DomainError):
    pass


class Unprocessable(DomainError):
    """The right kind of thing, but broken or hostile (a corrupt file)."""


class Unavailable(DomainError):
    """A part warren depends on is down; trying again later may work."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after
