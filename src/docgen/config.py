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


def _int_env(name: str, default: int, minimum: int = 0, environ: Mapping[str, str] | None = None) -> int:
    """An integer setting; a value that is not one stops the service with the variable's name."""
    value = (os.environ if environ is None else environ).get(name)
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


SQLITE_PREFIX, POSTGRES_PREFIXES = "sqlite:///", ("postgresql://", "postgres://")
BLOB_STORES = ("directory", "database")
MIGRATE_MODES = ("startup", "explicit")


@dataclass(frozen=True)
class StoreSettings:
    """Where records and bytes live; read once, each value checked, an error names its variable."""

    database_url: str
    """``DOCGEN_DATABASE_URL``: ``sqlite:///<path>`` (default ``<data dir>/docgen.sqlite3``: one server)
    or ``postgresql://…`` (many servers on one database)."""
    blob_dir: Path
    """``DOCGEN_BLOB_DIR`` (default ``<data dir>/blobs``): the content-addressed directory; with many
    servers a volume they all mount."""
    blob_store: str = "directory"
    """``DOCGEN_BLOB_STORE``: ``directory`` (``blob_dir``) or ``database`` (PostgreSQL only: ``blobs.py``)."""
    pool_size: int = 10
    """``DOCGEN_DATABASE_POOL``: most PostgreSQL connections one server opens (one more holds its boot lock)."""
    migrate: str = "startup"
    """``DOCGEN_MIGRATE``: ``startup`` applies pending migrations when the server starts; ``explicit``
    refuses to start until ``docgen migrate`` has run (a rollout that migrates once, then starts N servers)."""

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith(POSTGRES_PREFIXES)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None on PostgreSQL."""
        return None if self.postgres else Path(self.database_url[len(SQLITE_PREFIX):])

    @classmethod
    def from_env(cls, data_dir: Path, environ: Mapping[str, str] | None = None) -> "StoreSettings":
        env = os.environ if environ is None else environ
        url = database_url(env.get("DOCGEN_DATABASE_URL"), data_dir)
        blob_store = _choice(env, "DOCGEN_BLOB_STORE", BLOB_STORES)
        if blob_store == "database" and not url.startswith(POSTGRES_PREFIXES):
            raise ValueError("环境变量 DOCGEN_BLOB_STORE=database 需要 PostgreSQL（DOCGEN_DATABASE_URL=postgresql://…）")
        blob_dir = env.get("DOCGEN_BLOB_DIR")
        return cls(database_url=url, blob_dir=Path(blob_dir).resolve() if blob_dir else data_dir / "blobs",
                   blob_store=blob_store, pool_size=_int_env("DOCGEN_DATABASE_POOL", 10, 2, env),
                   migrate=_choice(env, "DOCGEN_MIGRATE", MIGRATE_MODES))


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first by default); anything else names the variable and the choices."""
    value = env.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ValueError(f"环境变量 {name} 应为 {' 或 '.join(choices)}，而不是 {env.get(name)!r}")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    store: StoreSettings
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
            store=StoreSettings.from_env(data_dir),
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


def database_url(url: str | None, data_dir: Path) -> str:
    """``DOCGEN_DATABASE_URL``: ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` (made absolute) or
    ``postgresql://user@host:port/name`` (``postgres://`` too); unset, SQLite in the data directory."""
    if not url:
        return f"{SQLITE_PREFIX}{data_dir / 'docgen.sqlite3'}"
    url = url.strip()
    if url.startswith(POSTGRES_PREFIXES):
        parts = urlsplit(url)
        if not parts.path.strip("/"):
            raise ValueError("环境变量 DOCGEN_DATABASE_URL 应指明数据库名（postgresql://主机/数据库名）")
        return url
    if not url.startswith(SQLITE_PREFIX) or len(url) == len(SQLITE_PREFIX):
        raise ValueError(f"环境变量 DOCGEN_DATABASE_URL 应以 sqlite:/// 或 postgresql:// 开头，而不是 {url!r}")
    return f"{SQLITE_PREFIX}{Path(url[len(SQLITE_PREFIX):]).resolve()}"
