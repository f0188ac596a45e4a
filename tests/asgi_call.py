"""One HTTP request given to an ASGI app in process, built byte by byte: for tests whose
requests an HTTP client would refuse or rewrite (bad bytes, odd hosts, raw escapes)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.types import ASGIApp

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    *,
    raw_path: bytes | None = None,
    query: bytes = b"",
    client: tuple[str, int] = ("203.0.113.50", 40000),
) -> Answer:
    """Status, headers and body of the app's answer. ``path`` is what a server would
    hand on after decoding ``raw_path`` (by default, ``path`` as UTF-8)."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape") if raw_path is None else raw_path,
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": client,
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            # As uvicorn does: the client is gone once the whole response is out (a
            # streamed response listens for this until then).
            await finished.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)  # type: ignore[arg-type]
    assert start, "the app never started a response"
    return start["status"], list(start.get("headers", [])), b"".join(chunks)
