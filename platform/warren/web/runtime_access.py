"""Reaching the process runtime from a request (it lives on the app's state)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from warren.runtime import Runtime


def runtime_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Runtime:
    runtime: Runtime = connection.app.state.runtime
    return runtime
