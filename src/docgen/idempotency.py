"""Idempotency-Key handling: a retried POST returns the document of the first try.

The key is claimed before any work starts, so two concurrent requests with one
key cannot both issue a document (and consume two 文书编号). A claim carries
the boot id of the server process that made it; a claim left by a crashed
process is reclaimed when the next server starts (see ``numbering``), or by
any server a retry reaches once it sees the claimant is dead (``liveness``),
so a retry after a crash completes instead of answering 409 for minutes.
"""
from __future__ import annotations

import time

from . import liveness
from .errors import Conflict, IdempotencyKeyReused
from .database import Connection, Database


class IdempotencyKeys:
    def __init__(self, db: Database, boot_id: str = "") -> None:
        self.db = db
        self.boot_id = boot_id

    def claim(self, key: str, fingerprint: str) -> str | None:
        """Claim ``key`` for this request; return the document id if it already succeeded.

        A claim still in progress under a dead boot (its server was killed) is
        taken over: the retry does the work the dead server never finished.
        """
        for attempt in range(2):
            with self.db.transaction() as conn:
                row = conn.execute(
                    "SELECT fingerprint, document_id, boot_id FROM idempotency_keys WHERE key = ?", (key,)
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO idempotency_keys (key, fingerprint, created_at, boot_id) VALUES (?, ?, ?, ?)",
                        (key, fingerprint, time.time(), self.boot_id),
                    )
                    return None
            if row["fingerprint"] != fingerprint:
                raise IdempotencyKeyReused(f"Idempotency-Key {key} 已用于内容不同的请求")
            if row["document_id"] is not None:
                return row["document_id"]
            gone = liveness.dead(self.db, [row["boot_id"]], self.boot_id) if attempt == 0 else []
            if not gone:
                break
            with self.db.transaction() as conn:  # all of a dead boot's unfinished claims are debris
                self.reclaim(conn, gone)
        raise Conflict(f"使用 Idempotency-Key {key} 的请求仍在处理中")

    def abandon(self, key: str) -> None:
        """Free a key whose request failed, so the client may retry with it."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE key = ? AND document_id IS NULL", (key,))

    @staticmethod
    def complete(conn: Connection, key: str, document_id: str) -> None:
        """Bind the key to its document, inside the transaction that stores it; a claim that was
        taken over meanwhile (this server was thought dead) refuses, so one key never makes two."""
        done = conn.execute("UPDATE idempotency_keys SET document_id = ? WHERE key = ? AND document_id IS NULL",
                            (document_id, key)).rowcount
        if done != 1:
            raise Conflict(f"Idempotency-Key {key} 已由另一请求完成，请重试")

    @staticmethod
    def reclaim(conn: Connection, dead: list[str | None]) -> int:
        """Free every unfinished claim of the ``dead`` boots (``liveness.dead``); how many."""
        return liveness.forget(conn, "idempotency_keys", dead)
