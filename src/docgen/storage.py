"""Durable storage: content-addressed bytes (``blobs``) and the records' database (``database``).

Bytes are written first (temp file, fsync, rename, fsync of the directory; or
their own committed rows) and the database row that refers to them is
committed last, so a crash can leave unreferenced bytes but never a row
pointing at missing or half-written bytes.

The schema lives here, once for both engines: ``SCHEMA`` and ``MIGRATIONS`` are
portable SQL (``TEXT``, ``INTEGER``, ``REAL``, ``BLOB``), translated by the
backend (``Database.ddl``). A new table is one more ``MIGRATIONS`` entry.
"""
from __future__ import annotations

import errno
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from .blobs import BlobStore, DatabaseBlobStore, sha256
from .chain import Link
from .database import Connection, Database, IntegrityError, Row, open_database
from .errors import InsufficientStorage, NotFound, StorageUnavailable

__all__ = ["BlobStore", "DatabaseBlobStore", "Database", "IntegrityError", "Storage", "StoredDocument",
           "StoredStage", "connect", "migrate", "sha256"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_number TEXT,
    payload_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    review_due TEXT
);
CREATE TABLE IF NOT EXISTS number_reservations (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    document_id TEXT,
    reserved_at REAL NOT NULL,
    PRIMARY KEY (prefix, year, seq)
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    document_id TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS principals (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    document_id TEXT NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    stage TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    docx_sha256 TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    link TEXT NOT NULL,
    PRIMARY KEY (document_id, idx)
);
CREATE TABLE IF NOT EXISTS renditions (
    key TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL
);
"""

#: Forward-only changes to a database made by an earlier version, in order; ``PRAGMA user_version``
#: counts those applied. A new database gets ``SCHEMA`` and then every step.
MIGRATIONS: tuple[str, ...] = (
    # 1: reservations and idempotency claims belong to the server process (boot) that made them.
    """
    ALTER TABLE number_reservations ADD COLUMN boot_id TEXT;
    ALTER TABLE idempotency_keys ADD COLUMN boot_id TEXT;
    CREATE TABLE IF NOT EXISTS boots (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        reclaimed_numbers INTEGER NOT NULL,
        reclaimed_keys INTEGER NOT NULL
    );
    """,
    # 2: cases (一案一卷): the case, its events, its documents in issue order, its media and volumes.
    """
    CREATE TABLE IF NOT EXISTS cases (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL,
        party_name TEXT NOT NULL,
        party_code TEXT,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE INDEX IF NOT EXISTS cases_party_name ON cases (party_name);
    CREATE TABLE IF NOT EXISTS case_events (
        case_id TEXT NOT NULL REFERENCES cases(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    );
    CREATE TABLE IF NOT EXISTS case_documents (
        document_id TEXT PRIMARY KEY REFERENCES documents(id),
        case_id TEXT NOT NULL REFERENCES cases(id),
        position INTEGER NOT NULL,
        UNIQUE (case_id, position)
    );
    CREATE TABLE IF NOT EXISTS case_media (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        media_type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        filename TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        UNIQUE (case_id, position)
    );
    CREATE TABLE IF NOT EXISTS case_volumes (
        case_id TEXT NOT NULL REFERENCES cases(id),
        volume INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        pages INTEGER NOT NULL,
        documents TEXT NOT NULL,
        built_at TEXT NOT NULL,
        built_by TEXT NOT NULL,
        PRIMARY KEY (case_id, volume)
    )
    """,
    # 3: the transparency log (tlog/log.py): one leaf per issued file, appended in the file's own
    # transaction. Plain types only (INTEGER, TEXT), so the same statements run on PostgreSQL.
    # ``tlog_head`` is one row whose UPDATE serialises appends: SQLite's BEGIN IMMEDIATE already
    # makes writers queue, PostgreSQL takes a row lock on it until the issuing transaction commits.
    """
    CREATE TABLE IF NOT EXISTS tlog_head (
        id INTEGER PRIMARY KEY,
        size INTEGER NOT NULL
    );
    INSERT INTO tlog_head (id, size) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM tlog_head WHERE id = 1);
    CREATE TABLE IF NOT EXISTS tlog_entries (
        idx INTEGER PRIMARY KEY,
        entry TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS tlog_nodes (
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (level, idx)
    );
    CREATE TABLE IF NOT EXISTS tlog_checkpoints (
        size INTEGER PRIMARY KEY,
        note TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS tlog_cosignatures (
        size INTEGER NOT NULL REFERENCES tlog_checkpoints(size),
        witness TEXT NOT NULL,
        line TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        PRIMARY KEY (size, witness)
    );
    ALTER TABLE stages ADD COLUMN log_index INTEGER;
    ALTER TABLE case_volumes ADD COLUMN log_index INTEGER
    """,
    # 4: publicity (公示): one record per decision to publish, its history (never deleted), its public renditions.
    """
    CREATE TABLE IF NOT EXISTS publicity_records (
        document_id TEXT PRIMARY KEY REFERENCES documents(id),
        case_id TEXT,
        template_id TEXT NOT NULL,
        status TEXT NOT NULL,
        decided_on TEXT NOT NULL,
        due_on TEXT NOT NULL,
        rule TEXT NOT NULL,
        detail TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS publicity_records_status ON publicity_records (status, due_on);
    CREATE TABLE IF NOT EXISTS publicity_events (
        document_id TEXT NOT NULL REFERENCES publicity_records(document_id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (document_id, seq)
    );
    CREATE TABLE IF NOT EXISTS public_renditions (
        document_id TEXT NOT NULL REFERENCES documents(id),
        revision INTEGER NOT NULL,
        pdf_sha256 TEXT NOT NULL,
        docx_sha256 TEXT NOT NULL,
        manifest TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        log_index INTEGER,
        PRIMARY KEY (document_id, revision)
    )
    """,
    # 5: e-form drafts (created by drafts.py itself until now) and the duplicate check's index (by the e-form).
    """
    CREATE TABLE IF NOT EXISTS drafts (
        id TEXT PRIMARY KEY,
        principal_id TEXT NOT NULL,
        template_id TEXT NOT NULL,
        template_version TEXT NOT NULL,
        document_id TEXT,
        round INTEGER,
        data TEXT NOT NULL,
        note TEXT,
        example INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS drafts_by_principal ON drafts (principal_id, updated_at);
    CREATE INDEX IF NOT EXISTS documents_by_payload ON documents (template_id, payload_sha256)
    """,
    # 6: many servers: a boot's liveness lock (PostgreSQL), blobs kept in the database (DOCGEN_BLOB_STORE=database).
    """
    ALTER TABLE boots ADD COLUMN lock_key INTEGER;
    CREATE TABLE IF NOT EXISTS blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        chunks INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS blob_chunks (
        sha256 TEXT NOT NULL,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (sha256, seq)
    )
    """,
)


@dataclass(frozen=True)
class Migrated:
    before: int
    """The schema version the database had (0: new, or made before versioning)."""
    after: int
    """The version it has now: ``len(MIGRATIONS)``."""


def migrate(db: Database) -> Migrated:
    """Create the tables, then apply the migrations this database has not had, each atomically.

    Forward only. Safe to run from many servers at once: each step runs inside a
    write transaction, which serialises them, and looks at the version again there.
    """
    with db.transaction() as tx:
        before = db.schema_version(tx)
        if before == 0:
            for statement in db.ddl(SCHEMA):
                tx.execute(statement)
    for number, script in enumerate(MIGRATIONS, start=1):
        with db.transaction() as tx:
            if db.schema_version(tx) >= number:
                continue
            for statement in db.ddl(script):
                tx.execute(statement)
            db.set_schema_version(tx, number)
    return Migrated(before, len(MIGRATIONS))


def pending(db: Database) -> int:
    """How many migrations the database still lacks."""
    with db.transaction() as tx:
        return len(MIGRATIONS) - db.schema_version(tx)


def connect(target: str | Path, *, upgrade: bool = True, pool_size: int = 10) -> Database:
    """The database at ``target`` (a path, ``sqlite:///…`` or ``postgresql://…``), migrated if ``upgrade``."""
    db = open_database(target, pool_size=pool_size)
    if upgrade:
        migrate(db)
    return db


@dataclass(frozen=True)
class StoredDocument:
    id: str
    template_id: str
    template_version: str
    template_sha256: dict[str, str]
    title: str
    doc_number: str | None
    payload_sha256: str
    created_at: str
    created_by: str
    review_due: dict[str, str] | None = None

    @classmethod
    def from_row(cls, row: Row) -> "StoredDocument":
        values = dict(row)
        values["template_sha256"] = json.loads(values["template_sha256"])
        values["review_due"] = json.loads(values["review_due"]) if values["review_due"] else None
        return cls(**values)

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__, template_sha256=json.dumps(self.template_sha256, sort_keys=True),
                    review_due=json.dumps(self.review_due) if self.review_due else None)


@dataclass(frozen=True)
class StoredStage:
    """One signed stage of a document: its link in the chain and the bytes it issued."""

    document_id: str
    idx: int
    stage: str
    payload_sha256: str
    docx_sha256: str
    pdf_sha256: str
    link: Link
    log_index: int | None = None
    """The PDF's leaf in the transparency log (``tlog``); None only for rows from before the log."""

    @classmethod
    def from_row(cls, row: Row) -> "StoredStage":
        values = dict(row)
        values["link"] = Link.from_dict(json.loads(values["link"]))
        return cls(**values)

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__, link=json.dumps(self.link.to_dict(), ensure_ascii=False))


@dataclass(frozen=True)
class StoredPublic:
    """One public rendition (公示文本) of a document: revision 1, then each correction."""

    document_id: str
    revision: int
    pdf_sha256: str
    docx_sha256: str
    manifest: str
    """The ``docgen-public/1`` manifest as embedded (canonical JSON text)."""
    created_at: str
    created_by: str
    log_index: int | None = None
    """Its leaf in the transparency log (``tlog``)."""


class Storage:
    """The documents of one installation: rows in the database, bytes in the blob store."""

    def __init__(self, data_dir: Path, db: Database | Path | str,
                 blobs: BlobStore | DatabaseBlobStore | None = None) -> None:
        self.db = db if isinstance(db, Database) else connect(db)
        self.blobs = blobs if blobs is not None else BlobStore(data_dir / "blobs")

    @staticmethod
    def insert(conn: Connection, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))

    def stages(self, document_id: str) -> list[StoredStage]:
        rows = self.db.query("SELECT * FROM stages WHERE document_id = ? ORDER BY idx", (document_id,))
        return [StoredStage.from_row(row) for row in rows]

    def document(self, document_id: str) -> StoredDocument:
        row = self.db.query_one("SELECT * FROM documents WHERE id = ?", document_id)
        if row is None:
            raise NotFound(f"没有文书 {document_id}")
        return StoredDocument.from_row(row)

    def payload(self, payload_sha256: str) -> Any:
        return json.loads(self.blobs.get(payload_sha256))

    def rendition(self, key: str) -> str | None:
        row = self.db.query_one("SELECT sha256 FROM renditions WHERE key = ?", key)
        return row["sha256"] if row else None

    def save_rendition(self, key: str, data: bytes) -> str:
        """Cache derived bytes (blank forms) under a key naming everything they came from."""
        digest = self.blobs.put(data)
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO renditions (key, sha256) VALUES (?, ?)"
                         " ON CONFLICT (key) DO UPDATE SET sha256 = excluded.sha256", (key, digest))
        return digest

    def space(self, minimum: int) -> "Space":
        """Free bytes on the blob store's file system, and whether they are at least ``minimum``."""
        try:
            stat = os.statvfs(self.blobs.root)
        except OSError:
            return Space(0, False)
        free = stat.f_bavail * stat.f_frsize
        return Space(free, free >= minimum)

    def writable(self) -> bool:
        """Whether a write could succeed now: a blob temp file can be made, the database takes writes
        (SQLite: its file and directory, for journal and WAL, are writable; PostgreSQL: a primary answers)."""
        return self.blobs.writable() and self.db.writable()

    def preflight(self, minimum: int) -> None:
        """Refuse before any rendering when nothing could be stored (507 disk full, 503 read-only).

        Cheap (a ``statvfs`` and two ``access`` calls), so a full or read-only
        disk costs the caller no render and no conversion, and grows no WAL.
        """
        space = self.space(minimum)
        if not space.enough:
            raise InsufficientStorage(f"数据目录所在磁盘的可用空间（{space.free // 1024} KiB）低于下限，未生成文书")
        if not (os.access(self.blobs.root, os.W_OK) and self.db.writable()):
            raise StorageUnavailable("数据目录不可写，未生成文书")


@dataclass(frozen=True)
class Space:
    free: int
    """Bytes available to this process on the data directory's file system."""
    enough: bool
    """Whether ``free`` is at least the configured minimum (``DOCGEN_MIN_FREE_BYTES``)."""


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def storage_error(exc: BaseException) -> InsufficientStorage | StorageUnavailable | None:
    """The problem a failed write means (disk full → 507, read-only → 503), or None if it is no such failure.

    The caller's message never carries a server path: only the kind of failure.
    """
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return InsufficientStorage("磁盘已满，未能保存，什么也没有存储")
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY:
        return StorageUnavailable("存储不可写，未能保存，什么也没有存储")
    if isinstance(exc, psycopg.errors.DiskFull):
        return InsufficientStorage("数据库磁盘已满，未能写入，什么也没有存储")
    if isinstance(exc, psycopg.OperationalError):  # the server unreachable, a standby, the pool exhausted
        return StorageUnavailable("数据库暂不可用，什么也没有存储")
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        if "full" in text:
            return InsufficientStorage("磁盘已满，数据库未能写入，什么也没有存储")
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return StorageUnavailable("数据库不可写，什么也没有存储")
    return None
