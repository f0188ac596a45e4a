"""Requests that will hash a password are admitted before they take a worker thread.

A sign-in costs one Argon2id computation (tens of milliseconds of CPU), and its handler
runs in the thread pool that also serves every page. Without a door in front, a burst of
sign-ins fills that pool with requests queued behind the hashing gate
(`warren.accounts.passwords`), and the policy page waits for a thread. Here, in the event
loop and before any thread is taken, a request to a handler marked ``HASHES_PASSWORD``
takes one of as many tickets as the gate admits (hashes running + queued); with none
left it gets the gate's own answer at once (429, Retry-After). The thread pool is grown
by the same number at start-up, so admitted sign-ins can never use the threads pages
need.

Each app has its own door (one per process in production; tests build several apps in
one process, and one's narrow door must not close another's).
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar.types import ASGIApp, Receive, Scope, Send

from warren.accounts.passwords import HashingBusy

HASHES_PASSWORD: dict[str, Any] = {"hashes_password": True}


class HashingDoor:
    def __init__(self, tickets: int) -> None:
        self.tickets = tickets
        self.taken = 0

    def grow_thread_pool(self) -> None:
        """On start-up: room in the default thread pool for every admitted request."""
        limiter = to_thread.current_default_thread_limiter()
        limiter.total_tokens = limiter.total_tokens + self.tickets

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def admit(scope: Scope, receive: Receive, send: Send) -> None:
            handler = scope.get("route_handler")
            if handler is None or not handler.opt.get("hashes_password"):
                await app(scope, receive, send)
                return
            if self.taken >= self.tickets:
                raise HashingBusy()
            # One event loop per process: the counter needs no lock.
            self.taken += 1
            try:
                await app(scope, receive, send)
            finally:
                self.taken -= 1

        return admit
