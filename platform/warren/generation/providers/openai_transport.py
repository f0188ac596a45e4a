"""One POST to an OpenAI-compatible service: fixed headers, time limits, and failures
turned into sentences a user can read.

Each request is sent once. Whether to try again is the retry policy's decision
(warren.generation.retry_policy), taken by the job runner; this module only says, with
``ProviderError.retryable``, whether another try could succeed.

What leaves warren is decided here, so the request is built from scratch every time
(``httpx.Request``, not ``client.post``): a shared client's default headers, cookies
or auth can never ride along. The only headers are Authorization, Content-Type,
Accept and a fixed User-Agent, plus the Host and Content-Length HTTP itself needs.
Redirects are never followed, so the key is never sent to another host.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from warren.generation.providers.base import ProviderError

USER_AGENT = "warren"
# A service that cannot even accept a connection in this long is down, whatever the
# read timeout (image generation may legitimately take a minute to answer).
MAX_CONNECT_SECONDS = 10.0
MAX_MESSAGE_CHARS = 200

_QUERY = re.compile(r"(https?://[^\s?#]+)[?#]\S*")
_BEARER = re.compile(r"(?i)bearer\s+\S+")


class Transport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float,
        client: httpx.Client | None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, MAX_CONNECT_SECONDS))
        self._client = client if client is not None else httpx.Client(follow_redirects=False)

    def post_json(self, path: str, payload: Mapping[str, Any], service: str) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        return self._send(self._request(path, body, "application/json"), service)

    def post_multipart(
        self,
        path: str,
        fields: Mapping[str, str],
        files: Mapping[str, tuple[str, bytes, str]],
        service: str,
    ) -> dict[str, Any]:
        # httpx writes the multipart body and its Content-Type (with the boundary).
        multipart = httpx.Request("POST", self._url(path), data=dict(fields), files=dict(files))
        body = multipart.read()
        return self._send(self._request(path, body, multipart.headers["Content-Type"]), service)

    def _url(self, path: str) -> str:
        return f"{self._base_url}/{path.lstrip('/')}"

    def _request(self, path: str, body: bytes, content_type: str) -> httpx.Request:
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Content-Type": content_type,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        return httpx.Request(
            "POST",
            self._url(path),
            headers=headers,
            content=body,
            extensions={"timeout": self._timeout.as_dict()},
        )

    def _send(self, request: httpx.Request, service: str) -> dict[str, Any]:
        try:
            # auth=None: no client-level auth; the Authorization header above is the only one.
            response = self._client.send(request, follow_redirects=False, auth=None)
        except httpx.TimeoutException as exc:
            raise ProviderError(f"The {service} did not answer in time.", retryable=True) from exc
        except httpx.TransportError as exc:
            raise ProviderError(f"The {service} could not be reached.", retryable=True) from exc
        return self._answer(response, service)

    def _answer(self, response: httpx.Response, service: str) -> dict[str, Any]:
        status = response.status_code
        if 200 <= status < 300:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise ProviderError(
                    f"The {service} sent an answer warren could not read.", retryable=False
                )
            return body
        if status == 429:
            raise ProviderError(
                f"The {service} is busy right now (HTTP 429). Please try again later.",
                retryable=True,
            )
        if status >= 500:
            raise ProviderError(f"The {service} had a problem (HTTP {status}).", retryable=True)
        if 300 <= status < 400:
            raise ProviderError(
                f"The {service} answered with a redirect (HTTP {status}), which warren does not follow.",
                retryable=False,
            )
        message = self._readable_message(response)
        suffix = f": {message}" if message else "."
        raise ProviderError(
            f"The {service} refused the request (HTTP {status}){suffix}", retryable=False
        )

    def _readable_message(self, response: httpx.Response) -> str:
        """The service's own explanation, safe to show: no key, no query strings, short."""
        try:
            text = _error_text(response.json())
        except ValueError:
            text = response.text
        text = " ".join(text.split())
        text = text.replace(self._api_key, "[redacted]")
        text = _BEARER.sub("Bearer [redacted]", text)
        text = _QUERY.sub(r"\1", text)
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[: MAX_MESSAGE_CHARS - 1].rstrip() + "…"
        return text


def _error_text(body: object) -> str:
    # OpenAI: {"error": {"message": ...}}; other compatible services vary.
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return json.dumps(body, ensure_ascii=False)
