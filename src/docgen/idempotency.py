"""Idempotency-Key handling: a retried POST returns the document of the first try.

The key is claimed before any work starts, so two concurrent requests with one
key cannot both issue a document (and consume two 文书编号). A claim left by a crashed process lapses like
a number reservation does.
"""
from __future__ import annotations

import sqlite3
import time

from .errors import Conflict, IdempotencyKeyReused
from .numbering import STALE_AFTER_SECONDS
from .storage import Database


class IdempotencyKeys:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, key: str, fingerprint: str) -> str | None:
        """Claim ``key`` for this request; return the document id if it already succeeded."""
        with self.db.transaction() as conn:
            now = time.time()
            conn.execute(
                "DELETE FROM idempotency_keys WHERE key = ? AND document_id IS NULL AND created_at < ?",
                (key, now - STALE_AFTER_SECONDS),
            )
            row = conn.execute(
                "SELECT fingerprint, document_id FROM idempotency_keys WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO idempotency_keys (key, fingerprint, created_at) VALUES (?, ?, ?)",
                    (key, fingerprint, now),
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
