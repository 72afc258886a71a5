"""Moving an installation between databases: ``docgen export`` and ``docgen import``.

The way from SQLite (one server) to PostgreSQL (many): export with the old
settings, import with the new ones, on the same data directory (the PKI stays
where it is), then re-verify every chain (``cli``). What moves:

- every row of every record table (principals, documents, stages, issued
  文书编号, completed Idempotency-Keys, cases with their events, documents,
  media and volumes, drafts, and any table a later migration adds: the tables
  are read from the database's catalogue, not from a list), as JSON lines;
- every blob, copied into the export (hard-linked where the file system
  allows) and from there into the target store, its sha256 checked on the way.

What does not: in-flight reservations and unfinished key claims (a stopped
installation has none that matter: they are a dead server's), the boots, and
the schema version (the target is migrated to the current one first).
The target must be empty: an import never merges into a live installation.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .database import Database
from .errors import Conflict
from .storage import MIGRATIONS, Storage

FORMAT = "docgen-export/1"
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
#: Tables that are not records of the installation.
SKIPPED = {"boots", "blobs", "blob_chunks", "docgen_schema"}
#: Parents before children (foreign keys); tables not named here follow, in name order.
ORDER = ("principals", "documents", "stages", "number_reservations", "idempotency_keys", "cases", "case_events",
         "case_documents", "case_media", "case_volumes", "drafts", "renditions", "publicity_records",
         "publicity_events", "public_renditions", "tlog_head", "tlog_entries", "tlog_nodes", "tlog_checkpoints",
         "tlog_cosignatures")
#: Tables a migration seeds with a row (the log's empty head), replaced by the export's rows.
SEEDED = ("tlog_head",)
#: Rows of a dead server's work in progress, left behind.
UNFINISHED = {"number_reservations": "document_id IS NOT NULL", "idempotency_keys": "document_id IS NOT NULL"}


@dataclass(frozen=True)
class Moved:
    rows: dict[str, int]
    """Rows per table."""
    blobs: int
    """Blobs copied."""


def tables(db: Database) -> list[str]:
    """The record tables of ``db``, parents first."""
    if db.kind == "sqlite":
        names = [row[0] for row in db.query("SELECT name FROM sqlite_master WHERE type = 'table'"
                                            " AND name NOT LIKE 'sqlite_%'")]
    else:
        names = [row[0] for row in db.query("SELECT table_name FROM information_schema.tables"
                                            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")]
    names = [name for name in names if name not in SKIPPED]
    return [name for name in ORDER if name in names] + sorted(set(names) - set(ORDER))


def _encode(value: Any) -> Any:
    return {"$bytes": base64.b64encode(value).decode("ascii")} if isinstance(value, (bytes, memoryview)) else value


def _decode(value: Any) -> Any:
    return base64.b64decode(value["$bytes"]) if isinstance(value, dict) else value


def export(storage: Storage, target: Path) -> Moved:
    """Write ``target/records.jsonl`` and ``target/blobs/``; the directory must not exist yet."""
    target.mkdir(parents=True)
    counts: dict[str, int] = {}
    with open(target / "records.jsonl", "w", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "schema_version": len(MIGRATIONS)}) + "\n")
        for table in tables(storage.db):
            where = f" WHERE {UNFINISHED[table]}" if table in UNFINISHED else ""
            rows = storage.db.query(f"SELECT * FROM {table}{where}")
            for row in rows:
                out.write(json.dumps({"table": table, "row": {key: _encode(row[key]) for key in row.keys()}},
                                     ensure_ascii=False) + "\n")
            counts[table] = len(rows)
        out.flush()
        os.fsync(out.fileno())
    copied = 0
    for digest in storage.blobs.digests():
        final = target / "blobs" / digest[:2] / digest[2:]
        final.parent.mkdir(parents=True, exist_ok=True)
        source = storage.blobs.file(digest)
        try:
            os.link(source, final)
        except OSError:
            shutil.copyfile(source, final)
        copied += 1
    return Moved(counts, copied)


def _records(source: Path) -> Iterator[dict[str, Any]]:
    with open(source / "records.jsonl", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        if header.get("format") != FORMAT or header.get("schema_version", 0) > len(MIGRATIONS):
            raise Conflict(f"{source} 不是本版本能读取的导出（{header.get('format')}，架构 {header.get('schema_version')}）")
        for line in lines:
            yield json.loads(line)


def import_(storage: Storage, source: Path) -> Moved:
    """Bytes first (every blob into the target store, checked), then every row in one transaction."""
    if storage.db.query_one("SELECT 1 FROM documents LIMIT 1") or storage.db.query_one(
            "SELECT 1 FROM principals LIMIT 1"):
        raise Conflict("目标数据库已有主体或文书：导入只能进入一个空的数据库")
    records = list(_records(source))
    copied = 0
    for path in sorted((source / "blobs").glob("*/*")):
        digest = path.parent.name + path.name
        if not storage.blobs.exists(digest):
            staged = storage.blobs.tmp / f"import-{digest}.tmp"
            hashed = hashlib.sha256()
            with open(path, "rb") as src, open(staged, "wb") as dst:
                for chunk in iter(lambda: src.read(1024 * 1024), b""):
                    hashed.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            if hashed.hexdigest() != digest:
                staged.unlink()
                raise Conflict(f"导出中的文件 {digest} 内容与其哈希不符，未导入")
            storage.blobs.adopt(staged, digest)
        copied += 1
    known = set(tables(storage.db))
    for record in records:  # names go into SQL: only this schema's tables, only plain column names
        if record["table"] not in known or not all(map(_IDENTIFIER.fullmatch, record["row"])):
            raise Conflict(f"导出中有本数据库没有的表或列：{record['table']}")
    counts: dict[str, int] = {}
    with storage.db.transaction() as conn:
        for table in SEEDED:
            if any(record["table"] == table for record in records):
                conn.execute(f"DELETE FROM {table}")
        for record in records:
            row = {key: _decode(value) for key, value in record["row"].items()}
            Storage.insert(conn, record["table"], row)
            counts[record["table"]] = counts.get(record["table"], 0) + 1
    return Moved(counts, copied)
