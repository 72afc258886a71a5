"""Structured logs: one JSON object per line, each carrying the request it belongs to.

A log aggregator (journald → Loki, Elasticsearch, 日志平台) parses every line without a
pattern: ``time`` (RFC 3339 UTC, ``timefmt.log_time``), ``level``, ``logger``, ``message``,
``request_id``, and for the access line of each request ``method``, ``path``, ``status``
and ``duration_ms``. The request id is the one ``http/observe.py`` took from a valid
``X-Request-ID`` or made; it lives in a context variable, so every line logged while
handling a request (also from the thread pool, which copies the context) carries it,
and ``problems.problem`` puts it in every problem document.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from .timefmt import log_time

_REQUEST_ID: ContextVar[str | None] = ContextVar("docgen_request_id", default=None)
#: What an incoming ``X-Request-ID`` may be: short, printable, nothing a log or a header could be
#: broken with (a load balancer's UUID, a trace id, ``case-2026-0012.1``). Anything else is replaced.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
#: Fields of the access line, in this order after the common ones.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")


def request_id_from(header: str | None) -> str:
    """The incoming id if it is valid, else a new one (32 hex digits)."""
    if header is not None and VALID_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def bind_request_id(value: str) -> None:
    """The id of the request the current task (and the threads it starts) is handling."""
    _REQUEST_ID.set(value)


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    """A record as one JSON line; an exception's traceback goes in ``exception``, never over lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": log_time(record.created), "level": record.levelname,
                                 "logger": record.name, "message": record.getMessage(),
                                 "request_id": getattr(record, "request_id", None) or current_request_id()}
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``docgen serve``: docgen's and uvicorn's loggers as JSON lines
    on stderr; uvicorn's own access log is off (``http/observe.py`` writes one with the request id)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "docgen": {"handlers": ["json"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["json"], "level": "WARNING"},
    }
