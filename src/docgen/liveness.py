"""Which server processes (boots) are dead, so that what they left in flight may be reclaimed.

Numbers are reserved and Idempotency-Keys claimed under a boot id. A row of a
live boot is work in progress; a row of a dead boot is debris that would
block the series (a lower number in flight forever) or answer a retry 409.
The database says who is alive (``Database.alive``): on SQLite only this
process's boots (one server owns the data directory, ``lock.py``); on
PostgreSQL every boot whose session still holds its advisory lock.
"""
from __future__ import annotations

from typing import Iterable

from .database import Connection, Database


def dead(db: Database, boot_ids: Iterable[str | None], own: str) -> list[str | None]:
    """Those of ``boot_ids`` (``None``: a row from before boots were recorded) whose process is gone."""
    candidates = {boot_id for boot_id in boot_ids if boot_id != own}
    named = sorted(boot_id for boot_id in candidates if boot_id is not None)
    keys: dict[str, int | None] = {}
    if named:
        marks = ", ".join("?" for _ in named)
        keys = {row["id"]: row["lock_key"]
                for row in db.query(f"SELECT id, lock_key FROM boots WHERE id IN ({marks})", named)}
    return [boot_id for boot_id in candidates
            if boot_id is None or not db.alive(boot_id, keys.get(boot_id))]


def in_flight(db: Database, table: str) -> list[str | None]:
    """The boots with unfinished rows in ``table`` (``number_reservations`` or ``idempotency_keys``)."""
    return [row[0] for row in db.query(f"SELECT DISTINCT boot_id FROM {table} WHERE document_id IS NULL")]


def forget(conn: Connection, table: str, boots: Iterable[str | None]) -> int:
    """Delete the unfinished rows of ``boots`` from ``table``, in the caller's transaction; how many."""
    boots = list(boots)
    named = [boot_id for boot_id in boots if boot_id is not None]
    clauses = [f"boot_id IN ({', '.join('?' for _ in named)})"] if named else []
    if None in boots:
        clauses.append("boot_id IS NULL")
    if not clauses:
        return 0
    return conn.execute(f"DELETE FROM {table} WHERE document_id IS NULL AND ({' OR '.join(clauses)})",
                        named).rowcount
