"""How often, and when, warren calls a generation provider again: the one policy.

- **Attempts.** At most :attr:`RetryPolicy.max_attempts` provider calls per job, in
  all. Each call is counted on the job row (``jobs.attempts``) before it is made, so the
  bound holds across worker crashes, takeovers after a lease and message redeliveries.
  A crash of warren's own code in a run counts as an attempt too, so a job that keeps
  crashing also ends.
- **What is retried.** A :class:`~warren.generation.providers.base.ProviderError` with
  ``retryable`` set: the service could not be reached, did not answer in time, was busy
  (HTTP 429) or failed (HTTP 5xx). A refusal (other 4xx), an answer warren cannot read or
  that does not decode (:mod:`warren.generation.results`), an unsupported product and a
  request held back by the anonymisation check fail the job at once: the same request
  would get the same answer, and every call is billed.
- **Backoff.** Exponential between calls: ``first_backoff × 2^(n−1)`` seconds after the
  n-th failed call, never more than ``max_backoff``. The worker waits in place, holding
  the job's lease, which is far longer than every wait and call together.

Applied in exactly one layer, :mod:`warren.generation.runner`. The HTTP transport sends
each request once; the queue (``workers.actors``) redelivers only what the runner gives
up on: a run that crashed, or a job whose lease another worker still holds. When the
attempts are spent the job fails with the last reason and its points are refunded.
"""

from __future__ import annotations

from dataclasses import dataclass

from warren.generation.providers.base import ProviderError


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_backoff: float
    max_backoff: float

    def retries(self, error: ProviderError, calls_made: int) -> bool:
        """Whether another call follows ``error``, the outcome of call ``calls_made``."""
        return error.retryable and calls_made < self.max_attempts

    def backoff(self, calls_made: int) -> float:
        """Seconds to wait after the ``calls_made``-th call failed."""
        return float(min(self.max_backoff, self.first_backoff * 2 ** (calls_made - 1)))


PROVIDER_CALLS = RetryPolicy(max_attempts=3, first_backoff=1.0, max_backoff=10.0)
