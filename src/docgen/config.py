"""Settings, read once from the environment, with defaults that run on a fresh machine."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from .converters import KINDS, LIBREOFFICE
from .sealimage import read_seal_image
from .workdays import Calendar

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def _int_env(name: str, default: int, minimum: int = 0) -> int:
    """An integer setting; a value that is not one stops the service with the variable's name."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"环境变量 {name} 应为整数，而不是 {value!r}") from None
    if number < minimum:
        raise ValueError(f"环境变量 {name} 不能小于 {minimum}，而不是 {number}")
    return number


def _float_env(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"环境变量 {name} 应为数字，而不是 {value!r}") from None
    if not number > 0:
        raise ValueError(f"环境变量 {name} 应大于 0，而不是 {value!r}")
    return number


MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one request may cost the server, so that no caller can freeze it or exhaust its memory."""

    json_body: int = 4 * MIB
    """Largest JSON request body, in bytes (``DOCGEN_MAX_JSON_BYTES``); refused with 413 while streaming."""
    upload: int = 64 * MIB
    """Largest upload (``POST /v1/verify``, ``/verify``), in bytes, all files together (``DOCGEN_MAX_UPLOAD_BYTES``)."""
    media: int = 1024 * MIB
    """Largest 音像记录 upload (``POST /v1/cases/{id}/media``), in bytes (``DOCGEN_MAX_MEDIA_BYTES``): streamed to
    disk, never held in memory, refused with 413 (nothing stored) past it."""
    verify_files: int = 20
    """Most files in one verification request (``DOCGEN_MAX_VERIFY_FILES``)."""
    verify_workers: int = 1
    """Verification worker processes (``DOCGEN_VERIFY_WORKERS``): verification never runs in the server's event loop."""
    verify_queue: int = 4
    """Verification requests that may wait for a worker before the answer is 503 (``DOCGEN_VERIFY_QUEUE``)."""
    verify_seconds: float = 30.0
    """Time budget of one verification (``DOCGEN_VERIFY_TIMEOUT``); the worker is killed past it."""
    verify_memory: int = 2048 * MIB
    """Address-space cap of a verification worker (``DOCGEN_VERIFY_MEMORY_BYTES``): decompression bombs hit it."""
    min_free: int = 64 * MIB
    """Free space the data directory must keep (``DOCGEN_MIN_FREE_BYTES``): below it issuing answers 507."""

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(
            json_body=_int_env("DOCGEN_MAX_JSON_BYTES", cls.json_body, 1024),
            upload=_int_env("DOCGEN_MAX_UPLOAD_BYTES", cls.upload, 1024),
            media=_int_env("DOCGEN_MAX_MEDIA_BYTES", cls.media, 1024),
            verify_files=_int_env("DOCGEN_MAX_VERIFY_FILES", cls.verify_files, 1),
            verify_workers=_int_env("DOCGEN_VERIFY_WORKERS", cls.verify_workers, 1),
            verify_queue=_int_env("DOCGEN_VERIFY_QUEUE", cls.verify_queue, 0),
            verify_seconds=_float_env("DOCGEN_VERIFY_TIMEOUT", cls.verify_seconds),
            verify_memory=_int_env("DOCGEN_VERIFY_MEMORY_BYTES", cls.verify_memory, 256 * MIB),
            min_free=_int_env("DOCGEN_MIN_FREE_BYTES", cls.min_free, 0),
        )


#: Agency profile fields templates may read that a profile need not give (templates see the default).
#: ``review_body_alternative``: for a 派出机构 of a 设区的市's department set up by district, the
#: 人民政府 of its district, which the party may choose as 复议机关 besides ``review_body``
#: (行政复议法第24条第2款); empty for an agency that is not such a 派出机构.
#: ``seal_image``: a PNG or JPEG of the agency's seal (a path, relative to the profile's folder),
#: printed at the seal position of signed copies as the visible sign of their electronic signature
#: (``sealimage.py``); empty: none.
OPTIONAL_AGENCY_FIELDS: dict[str, Any] = {"review_body_alternative": "", "seal_image": ""}


def load_agency(path: Path | None = None) -> dict[str, Any]:
    """The issuing agency's profile: names used on documents, 文书编号 prefixes and the
    working-day ``calendar`` (checked here, so a bad date stops the service at start)."""
    path = path or PACKAGE_DIR / "defaults" / "agency.json"
    agency = json.loads(path.read_text(encoding="utf-8"))
    for key, default in OPTIONAL_AGENCY_FIELDS.items():
        agency.setdefault(key, default)
    try:
        calendar_of(agency)
        _check_choices(agency.get("choices"))
        if agency["seal_image"]:
            image = (path.parent / agency["seal_image"]).resolve()
            read_seal_image(image)
            agency["seal_image"] = str(image)
    except ValueError as exc:
        raise ValueError(f"机构配置 {path} 无效：{exc}") from None
    return agency


def _check_choices(choices: Any) -> None:
    """``choices``: {template id: {JSON pointer: [allowed values, at least one]}} (or absent)."""
    if choices is None:
        return
    good = isinstance(choices, dict) and all(
        isinstance(fields, dict) and all(
            isinstance(at, str) and at.startswith("/") and isinstance(allowed, list) and allowed
            for at, allowed in fields.items())
        for fields in choices.values())
    if not good:
        raise ValueError('choices 应为 {"模板编号": {"/字段指针": ["允许的值", …]}}，如 '
                         '{"case-review": {"/review_type": ["法制审核"]}}')


def calendar_of(agency: Mapping[str, Any]) -> Calendar:
    """The agency's working-day calendar; Monday–Friday when the profile has none."""
    return Calendar.from_config(agency.get("calendar"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_path: Path
    catalogue_dir: Path
    agency: Mapping[str, Any]
    converters: int
    recycle_after: int = 200
    conversion_timeout: float = 20.0
    queue_limit: int = 16
    queue_timeout: float = 30.0
    uno_python: str = "/usr/bin/python3"
    limits: Limits = Limits()

    converter: str = "libreoffice"  # or "fake", for tests only: see converters.py
    public_url: str | None = None  # the service's external base URL, for the $ids of served schemas

    @property
    def choices(self) -> Mapping[str, Any]:
        """The agency's narrowing of some templates' choices (``choices``: template id → pointer →
        allowed values), e.g. the 案件审核表 only as 法制审核; see ``catalogue.narrowed``."""
        return self.agency.get("choices") or {}

    @property
    def calendar(self) -> Calendar:
        """The agency's working-day calendar (``calendar`` in the agency profile)."""
        return calendar_of(self.agency)

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> "Settings":
        """Build settings from ``DOCGEN_*`` variables; ``data_dir`` overrides the variable."""
        data_dir = (data_dir or Path(os.environ.get("DOCGEN_DATA_DIR", "var"))).resolve()
        agency_file = os.environ.get("DOCGEN_AGENCY_FILE")
        return cls(
            data_dir=data_dir,
            database_path=database_path(os.environ.get("DOCGEN_DATABASE_URL"), data_dir),
            catalogue_dir=Path(os.environ.get("DOCGEN_CATALOGUE_DIR", PROJECT_DIR)).resolve(),
            agency=load_agency(Path(agency_file) if agency_file else None),
            converters=_int_env("DOCGEN_CONVERTERS", os.cpu_count() or 1, 1),
            recycle_after=_int_env("DOCGEN_RECYCLE_AFTER", 200, 1),
            conversion_timeout=_float_env("DOCGEN_CONVERSION_TIMEOUT", 20.0),
            queue_limit=_int_env("DOCGEN_QUEUE_LIMIT", 16),
            queue_timeout=_float_env("DOCGEN_QUEUE_TIMEOUT", 30.0),
            uno_python=os.environ.get("DOCGEN_UNO_PYTHON", "/usr/bin/python3"),
            limits=Limits.from_env(),
            converter=converter_kind(os.environ.get("DOCGEN_CONVERTER")),
            public_url=public_url(os.environ.get("DOCGEN_PUBLIC_URL")),
        )


def converter_kind(value: str | None) -> str:
    """``DOCGEN_CONVERTER``: ``libreoffice`` (default) or ``fake`` (tests only, see converters.py)."""
    kind = (value or LIBREOFFICE).strip().lower()
    if kind not in KINDS:
        raise ValueError(f"DOCGEN_CONVERTER must be one of {', '.join(KINDS)}, got {value!r}")
    return kind


def public_url(value: str | None) -> str | None:
    """``DOCGEN_PUBLIC_URL``: how clients reach the service (``https://host[/prefix]``), when the
    request's own URL is not it (a proxy that rewrites the host or the path)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"DOCGEN_PUBLIC_URL must be an http(s) base URL such as https://docgen.example.org, "
                         f"got {value!r}")
    return value.strip().rstrip("/")


def database_path(url: str | None, data_dir: Path) -> Path:
    """Only SQLite is supported: ``sqlite:///relative.db`` or ``sqlite:////abs/path.db``."""
    if not url:
        return data_dir / "docgen.sqlite3"
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise ValueError(f"DOCGEN_DATABASE_URL must start with {prefix!r}, got {url!r}")
    return Path(url[len(prefix):]).resolve()
