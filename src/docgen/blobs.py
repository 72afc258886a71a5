"""Content-addressed bytes: files named by their sha256, on a directory or in PostgreSQL.

Two stores, one contract (``put``, ``get``, ``file``, ``adopt``), chosen by
``DOCGEN_BLOB_STORE``; both write the bytes before any row names them:

- ``BlobStore`` (``directory``, the default): ``<blob dir>/<aa>/<rest>``, each
  file written atomically (temp file, fsync, rename, fsync of the directory).
  Many servers share it by mounting one volume (NFS, CephFS, a SAN file
  system) at the same path: content addressing makes concurrent writes of
  the same bytes harmless (the same name, the same content, an atomic rename).
- ``DatabaseBlobStore`` (``database``, PostgreSQL only): the bytes in
  ``blob_chunks`` (1 MiB ``bytea`` rows) and a ``blobs`` row committed in the
  same transaction after its chunks, so the database is the only thing to run,
  back up and replicate. Streaming in chunks keeps a 1 GiB video out of memory
  and under ``bytea``'s 1 GB limit; plain rows (not large objects) survive
  logical replication and ``pg_dump`` without extra flags. Downloads that
  need a file (``FileResponse``) get a verified copy in a per-server cache.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any, Iterator

from psycopg_pool import ConnectionPool

from .durable import fsync_dir, write_atomically
from .errors import NotFound

#: Bytes per ``blob_chunks`` row.
CHUNK = 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _writable(directory: Path) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=directory):
            return True
    except OSError:
        return False


class BlobStore:
    """Files named by their sha256; writing the same bytes twice is a no-op."""

    kind = "directory"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

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

    def file(self, digest: str) -> Path:
        """A local file holding the bytes (to stream a download from)."""
        path = self.path(digest)
        if not path.exists():
            raise NotFound(f"文件 {digest} 不存在")
        return path

    def adopt(self, staged: Path, digest: str) -> str:
        """Move a staged file (fsynced, under ``tmp``) to its content address; a no-op if stored already."""
        final = self.path(digest)
        if final.exists():
            staged.unlink(missing_ok=True)
            return digest
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)
        fsync_dir(final.parent)
        return digest

    def digests(self) -> Iterator[str]:
        """Every stored digest (``export``)."""
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/*")):
            if len(path.name) == 62:
                yield path.parent.name + path.name

    def writable(self) -> bool:
        return _writable(self.tmp)


class DatabaseBlobStore:
    """Bytes in PostgreSQL (``blobs`` + ``blob_chunks``); staging and a download cache on local disk."""

    kind = "database"

    def __init__(self, db: Any, local: Path, pool_size: int = 4) -> None:
        self.db = db  # a PostgresDatabase, for reads
        # Writes get a pool of their own: a write transaction that holds the records' lock (and one of
        # their pool's connections) stores its bytes here, and must never wait for the pool that others,
        # queued for that lock, have exhausted.
        self.pool = ConnectionPool(db.url, min_size=1, max_size=pool_size, open=True, name="docgen-blobs",
                                   kwargs={"autocommit": True})
        self.root = local
        self.tmp = local / "tmp"
        self.cache = local / "cache"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def exists(self, digest: str) -> bool:
        return self.db.query_one("SELECT 1 FROM blobs WHERE sha256 = ?", digest) is not None

    def _store(self, digest: str, chunks: Iterator[bytes]) -> None:
        """Chunks first, the ``blobs`` row last, in one transaction of a pooled connection."""
        with self.pool.connection() as conn, conn.transaction():
            size = count = 0
            for count, chunk in enumerate(chunks, start=1):
                conn.execute("INSERT INTO blob_chunks (sha256, seq, data) VALUES (%s, %s, %s)"
                             " ON CONFLICT DO NOTHING", (digest, count, chunk))
                size += len(chunk)
            conn.execute("INSERT INTO blobs (sha256, size, chunks) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                         (digest, size, count))

    def put(self, data: bytes) -> str:
        digest = sha256(data)
        if not self.exists(digest):
            self._store(digest, (data[start:start + CHUNK] for start in range(0, len(data), CHUNK)))
        return digest

    def _chunks(self, digest: str) -> Iterator[bytes]:
        row = self.db.query_one("SELECT chunks FROM blobs WHERE sha256 = ?", digest)
        if row is None:
            raise NotFound(f"文件 {digest} 不存在")
        for seq in range(1, int(row[0]) + 1):
            yield bytes(self.db.query_one("SELECT data FROM blob_chunks WHERE sha256 = ? AND seq = ?",
                                          digest, seq)[0])

    def get(self, digest: str) -> bytes:
        return b"".join(self._chunks(digest))

    def file(self, digest: str) -> Path:
        """A verified local copy (per server; content-addressed, so never stale; safe to delete)."""
        path = self.cache / digest[:2] / digest[2:]
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"cache-{secrets.token_hex(8)}.tmp"
        hashed = hashlib.sha256()
        try:
            with open(tmp, "xb") as handle:
                for chunk in self._chunks(digest):
                    hashed.update(chunk)
                    handle.write(chunk)
            if hashed.hexdigest() != digest:
                raise NotFound(f"文件 {digest} 的内容与其哈希不符")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def adopt(self, staged: Path, digest: str) -> str:
        """Stream a staged file into the database in chunks, then forget the staged copy."""
        if not self.exists(digest):
            with open(staged, "rb") as handle:
                self._store(digest, iter(lambda: handle.read(CHUNK), b""))
        staged.unlink(missing_ok=True)
        return digest

    def digests(self) -> Iterator[str]:
        for row in self.db.query("SELECT sha256 FROM blobs ORDER BY sha256"):
            yield row[0]

    def writable(self) -> bool:
        return _writable(self.tmp) and self.db.writable()

    def close(self) -> None:
        self.pool.close()
