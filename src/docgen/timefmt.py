"""Time as docgen writes it: one home for the formats, so a link, a bundle and a record agree.

Links and trust bundles carry RFC 3339 UTC with whole seconds and a ``Z``
(``2026-11-26T23:59:01Z``): one spelling per instant, so a signed time never
has two byte forms. Records (``created_at``) keep their ISO 8601 ``+00:00``
form, which clients already read.
"""
from __future__ import annotations

import datetime as dt
import re

from .errors import VerificationError

#: The one accepted spelling of a signed time.
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: dt.datetime) -> str:
    """An aware datetime as RFC 3339 UTC, whole seconds (``2026-11-26T23:59:01Z``)."""
    return moment.astimezone(dt.timezone.utc).strftime(_FORMAT)


def utc_now() -> str:
    """Now, as links write time."""
    return format_time(dt.datetime.now(dt.timezone.utc))


def parse_time(value: str) -> dt.datetime:
    """A signed time back to an aware datetime; ``VerificationError`` for any other spelling."""
    if not TIME.fullmatch(value):
        raise VerificationError(f"时间 {value!r} 不是 RFC 3339 UTC 格式")
    try:
        return dt.datetime.strptime(value, _FORMAT).replace(tzinfo=dt.timezone.utc)
    except ValueError as exc:
        raise VerificationError(f"时间 {value!r} 无效") from exc


def log_time(epoch: float) -> str:
    """A log record's time (``time.time()`` seconds) as RFC 3339 UTC with milliseconds
    (``2026-11-26T23:59:01.250Z``): log lines of one second must still sort."""
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def file_stamp() -> str:
    """Now as a file name part (``20261126T235901Z``): RFC 3339's basic form, sortable, no ``:``
    (refused by some file systems) — the witness's refused checkpoints, a restore's set-aside copy."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def record_time(moment: dt.datetime) -> str:
    """An aware datetime as records write it (``created_at``): ISO 8601, UTC, whole seconds, ``+00:00``."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def record_now() -> str:
    """Now, as records write it."""
    return record_time(dt.datetime.now(dt.timezone.utc))


def instant(value: str) -> dt.datetime:
    """A stored time in either spelling (a signed ``…Z`` or a record's ``…+00:00``) as an aware
    datetime; ``ValueError`` if it is neither. For reading and comparing, never for verifying
    (``parse_time`` accepts the signed spelling alone)."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
