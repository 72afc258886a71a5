"""Idempotency-Key handling: a retried POST returns the document of the first try.

The key is claimed before any work starts, so two concurrent requests with one
key cannot both issue a document (and consume two 文书编号). A claim carries
the boot id of the server process that made it; a claim left by a crashed
process is reclaimed when the next server starts (see ``numbering``), so a
retry after a restart completes instead of answering 409 for minutes.
"""
from __future__ import annotations

import sqlite3
import time

from .errors import Conflict, IdempotencyKeyReused
from .storage import Database


class IdempotencyKeys:
    def __init__(self, db: Database, boot_id: str = "") -> None:
        self.db = db
        self.boot_id = boot_id

    def claim(self, key: str, fingerprint: str) -> str | None:
        """Claim ``key`` for this request; return the document id if it already succeeded."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT fingerprint, document_id FROM idempotency_keys WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO idempotency_keys (key, fingerprint, created_at, boot_id) VALUES (?, ?, ?, ?)",
                    (key, fingerprint, time.time(), self.boot_id),
                )
                return None
        if row["fingerprint"] != fingerprint:
            raise IdempotencyKeyReused(f"Idempotency-Key {key} 已用于内容不同的请求")
        if row["document_id"] is None:
            raise Conflict(f"使用 Idempotency-Key {key} 的请求仍在处理中")
        return row["document_id"]

    def abandon(self, key: str) -> None:
        """Free a key whose request failed, so the client may retry with it."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE key = ? AND document_id IS NULL", (key,))

    @staticmethod
    def complete(conn: sqlite3.Connection, key: str, document_id: str) -> None:
        conn.execute("UPDATE idempotency_keys SET document_id = ? WHERE key = ?", (document_id, key))

    @staticmethod
    def reclaim(conn: sqlite3.Connection, boot_id: str) -> int:
        """Free every unfinished claim of another boot (a dead process's); how many."""
        return conn.execute("DELETE FROM idempotency_keys WHERE document_id IS NULL"
                            " AND (boot_id IS NULL OR boot_id <> ?)", (boot_id,)).rowcount
