"""Durable storage: a content-addressed file store and a SQLite database.

Bytes are written first (temp file, fsync, rename, fsync of the directory) and
the database row that refers to them is committed last, so a crash can leave
an unreferenced file but never a row pointing at missing or half-written bytes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .chain import Link
from .durable import write_atomically
from .errors import NotFound

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


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """One byte form per JSON value, so equal payloads hash equal."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class BlobStore:
    """Files named by their sha256; writing the same bytes twice is a no-op."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        final = self.path(digest)
        if final.exists():
            return digest
        write_atomically(final, data, tmp_dir=self.tmp)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"文件 {digest} 不存在") from exc

    def writable(self) -> bool:
        try:
            with tempfile.NamedTemporaryFile(dir=self.tmp):
                return True
        except OSError:
            return False


class Database:
    """SQLite in WAL mode; one connection per thread, explicit transactions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.connection().executescript(SCHEMA)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE``: writers queue up here, so read-then-write is atomic."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query_one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        return self.connection().execute(sql, params).fetchone()


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
    def from_row(cls, row: sqlite3.Row) -> "StoredDocument":
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

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "StoredStage":
        values = dict(row)
        values["link"] = Link.from_dict(json.loads(values["link"]))
        return cls(**values)

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__, link=json.dumps(self.link.to_dict(), ensure_ascii=False))


class Storage:
    """The documents of one installation: rows in SQLite, bytes in the blob store."""

    def __init__(self, data_dir: Path, database_path: Path) -> None:
        self.blobs = BlobStore(data_dir / "blobs")
        self.db = Database(database_path)

    @staticmethod
    def insert(conn: sqlite3.Connection, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))

    def stages(self, document_id: str) -> list[StoredStage]:
        rows = self.db.connection().execute(
            "SELECT * FROM stages WHERE document_id = ? ORDER BY idx", (document_id,)).fetchall()
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
            conn.execute("INSERT OR REPLACE INTO renditions (key, sha256) VALUES (?, ?)", (key, digest))
        return digest

    def writable(self) -> bool:
        if not self.blobs.writable():
            return False
        try:
            self.db.query_one("SELECT 1")
        except sqlite3.Error:
            return False
        return True
