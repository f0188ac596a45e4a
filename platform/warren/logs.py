"""Structured logging through structlog: one JSON object per line on stderr in
production, readable lines when stderr is a terminal (``WARREN_LOG_FORMAT`` decides:
auto, json or console).

Every line written while a request is served carries its tenant and request id (bound
by the edge as context variables and cleared after); worker lines carry the tenant and
the message id of the job they run.

Log lines never carry a raw client address: the access log is written by warren's edge
middleware with the tenant's IP value, and the HTTP server's own access log is off.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


LogFormat = Literal["auto", "json", "console"]


def renders_json(log_format: LogFormat, is_terminal: bool) -> bool:
    return log_format == "json" or (log_format == "auto" and not is_terminal)


def make_formatter(as_json: bool, colors: bool = False) -> logging.Formatter:
    """The formatter every warren line goes through, structlog's and the libraries' alike."""
    last: list[structlog.types.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if as_json
        else [structlog.dev.ConsoleRenderer(colors=colors)]
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *last],
    )


def configure_logging(level: str = "INFO", log_format: LogFormat = "auto") -> None:
    terminal = sys.stderr.isatty()
    formatter = make_formatter(renders_json(log_format, terminal), colors=terminal)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access logger prints the peer address; warren logs requests itself.
    logging.getLogger("uvicorn.access").disabled = True
    # APScheduler logs every run of every task at INFO: warren's tasks log what they did.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "dramatiq", "alembic"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
