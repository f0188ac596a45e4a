"""A real HTTP server standing in for an OpenAI-compatible generation service.

It records every request it receives (method, path, headers, body), so tests can check
exactly what left warren for a provider.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import tomli_w

from warren.generation.providers.registry import load_providers
from warren.runtime import Runtime
from warren.tenancy.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)


class FakeService:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.fallback = Answer()
        # Answers by path suffix, used when no queued answer is left.
        self.by_path: dict[str, Answer] = {}
        self.requests: list[Recorded] = []
        self.base_url = ""
        self._lock = threading.Lock()

    def record(self, entry: Recorded) -> Answer:
        with self._lock:
            self.requests.append(entry)
            if self.answers:
                return self.answers.pop(0)
            for suffix, answer in self.by_path.items():
                if entry.path.endswith(suffix):
                    return answer
            return self.fallback


def _handler(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = service.record(
                Recorded(self.command, self.path, list(self.headers.items()), body)
            )
            time.sleep(answer.delay)
            payload = (
                answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            )
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (the timeout test); nothing to answer

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def standin_service() -> Iterator[FakeService]:
    fake = FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield fake
    server.shutdown()
    server.server_close()


def chat_answer(text: str) -> Answer:
    return Answer(body={"choices": [{"message": {"role": "assistant", "content": text}}]})


def image_answer(data: bytes) -> Answer:
    return Answer(body={"data": [{"b64_json": base64.b64encode(data).decode()}]})


def with_standin(
    runtime: Runtime,
    service: FakeService,
    tmp_path: Path,
    routed: dict[str, dict[str, list[str]]],
    **settings: str,
) -> Runtime:
    """``runtime`` with the named products and assistants of each tenant made by a
    provider called "standin" that talks to ``service``; ``settings`` are that
    provider's environment settings (IMAGE_MODEL="…", TIMEOUT="5", …)."""
    data = tomllib.loads((ROOT / "tenants.toml").read_text())
    for slug, sections in routed.items():
        for section, keys in sections.items():
            for key in keys:
                data[slug][section][key]["provider"] = "standin"
    path = tmp_path / "tenants.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    environ = {
        "WARREN_PROVIDER_STANDIN_URL": service.base_url,
        "WARREN_PROVIDER_STANDIN_KEY": "sk-standin-key",
        **{f"WARREN_PROVIDER_STANDIN_{name}": value for name, value in settings.items()},
    }
    return dataclasses.replace(
        runtime, registry=load_registry(path), providers=load_providers(environ)
    )
