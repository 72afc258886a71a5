"""Settings, read once from the environment, with defaults that run on a fresh machine."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from .converters import KINDS, LIBREOFFICE
from .pki import MasterKey
from .agency import Agency
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


@dataclass(frozen=True)
class LogSettings:
    """The transparency log (``tlog/``): its name, how often it signs, whose cosignatures it keeps."""

    origin: str | None = None
    """``DOCGEN_LOG_ORIGIN``: the checkpoint origin line (schema-less URL, no spaces or '+'); by default
    ``docgen/<installation id>``, fixed once the first checkpoint is signed."""
    checkpoint_interval: float = 10.0
    """``DOCGEN_CHECKPOINT_INTERVAL``: seconds between checkpoints while leaves are being added."""
    witnesses: tuple[str, ...] = ()
    """``DOCGEN_LOG_WITNESSES``: the witnesses' verifier keys (vkeys, whitespace-separated) whose
    cosignatures the log accepts and serves beside its checkpoints."""

    @classmethod
    def from_env(cls) -> "LogSettings":
        origin = os.environ.get("DOCGEN_LOG_ORIGIN", "").strip() or None
        if origin is not None and ("+" in origin or any(c.isspace() for c in origin)):
            raise ValueError(f"环境变量 DOCGEN_LOG_ORIGIN 不能含空白或 '+'，而不是 {origin!r}")
        witnesses = tuple(os.environ.get("DOCGEN_LOG_WITNESSES", "").split())
        for vkey in witnesses:
            if vkey.count("+") < 2:
                raise ValueError(f"环境变量 DOCGEN_LOG_WITNESSES 中 {vkey!r} 不是 名称+密钥号+公钥 形式的验证公钥")
        return cls(origin, _float_env("DOCGEN_CHECKPOINT_INTERVAL", cls.checkpoint_interval), witnesses)


def load_agency(path: Path | None = None) -> Agency:
    """The issuing agency's profile (``agency.Agency``), parsed and checked once; a bad entry stops
    the service at start with the file and key named."""
    return Agency.load(path)


def calendar_of(agency: Mapping[str, Any]) -> Calendar:
    """The agency's working-day calendar (a plain profile mapping is parsed)."""
    return agency.calendar if isinstance(agency, Agency) else Calendar.from_config(agency.get("calendar"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_path: Path
    catalogue_dir: Path
    agency: Agency
    converters: int
    recycle_after: int = 200
    conversion_timeout: float = 20.0
    queue_limit: int = 16
    queue_timeout: float = 30.0
    uno_python: str = "/usr/bin/python3"
    limits: Limits = Limits()
    log: LogSettings = LogSettings()

    converter: str = "libreoffice"  # or "fake", for tests only: see converters.py
    public_url: str | None = None  # the service's external base URL, for the $ids of served schemas

    master_key_value: str | None = field(default=None, repr=False)
    """``DOCGEN_MASTER_KEY`` as read at start (hex or base64); None: ``<data dir>/master.key``."""
    shutdown_grace: float = 30.0
    """``DOCGEN_SHUTDOWN_GRACE``: seconds a stopping server lets requests in flight finish before it
    cancels them (a conversion takes seconds, a volume tens of seconds)."""
    demo: bool = False
    """``DOCGEN_DEMO=1``: a demonstration installation, where the e-form may issue a draft started
    from the example."""

    @property
    def choices(self) -> Mapping[str, Any]:
        """The agency's narrowing of some templates' choices (``choices``: template id → pointer →
        allowed values), e.g. the 案件审核表 only as 法制审核; see ``catalogue.narrowed``."""
        return self.agency.choices

    @property
    def calendar(self) -> Calendar:
        """The agency's working-day calendar (``calendar`` in the agency profile), parsed once."""
        return self.agency.calendar

    def master_key(self) -> MasterKey:
        """The key that encrypts signing keys at rest: the one place it is read (variable, else file)."""
        environ = {"DOCGEN_MASTER_KEY": self.master_key_value} if self.master_key_value else {}
        return MasterKey.from_env_or_file(self.data_dir, environ)

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
            log=LogSettings.from_env(),
            converter=converter_kind(os.environ.get("DOCGEN_CONVERTER")),
            public_url=public_url(os.environ.get("DOCGEN_PUBLIC_URL")),
            master_key_value=os.environ.get("DOCGEN_MASTER_KEY") or None,
            demo=os.environ.get("DOCGEN_DEMO", "") == "1",
            shutdown_grace=_float_env("DOCGEN_SHUTDOWN_GRACE", 30.0),
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
