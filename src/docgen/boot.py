"""A boot: one server process's life, under which it reserves numbers and claims keys.

Starting a boot marks it alive (``Database.hold_boot``: on PostgreSQL a session
advisory lock held for the process's life) and then reclaims what dead boots
left in flight (see ``numbering`` and ``liveness``). On SQLite every other boot
is dead, which ``lock.InstanceLock`` guarantees; on PostgreSQL only those whose
lock is free, so a starting server never takes a running one's numbers.
"""
from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from . import liveness
from .database import Database
from .idempotency import IdempotencyKeys
from .numbering import Numbering
from .timefmt import record_now


@dataclass(frozen=True)
class Boot:
    id: str
    """Random id recorded with every reservation and Idempotency-Key claim of this process."""
    reclaimed_numbers: int
    """Unissued 文书编号 reservations of dead processes freed at this start."""
    reclaimed_keys: int
    """Unfinished Idempotency-Key claims of dead processes freed at this start."""


def begin(db: Database) -> Boot:
    """Record a new, live boot, then free everything dead boots left in flight."""
    boot_id = uuid.uuid4().hex
    lock_key = db.hold_boot(boot_id)
    with db.transaction() as conn:
        conn.execute("INSERT INTO boots (id, pid, host, started_at, reclaimed_numbers, reclaimed_keys, lock_key)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (boot_id, os.getpid(), socket.gethostname(), record_now(), 0, 0, lock_key))
    numbers, keys = reap(db, boot_id)
    with db.transaction() as conn:
        conn.execute("UPDATE boots SET reclaimed_numbers = ?, reclaimed_keys = ? WHERE id = ?",
                     (numbers, keys, boot_id))
    return Boot(boot_id, numbers, keys)


def reap(db: Database, own: str) -> tuple[int, int]:
    """Free the unissued numbers and unfinished keys of every dead boot; (numbers, keys) freed."""
    gone = liveness.dead(db, {*liveness.in_flight(db, "number_reservations"),
                              *liveness.in_flight(db, "idempotency_keys")}, own)
    if not gone:
        return 0, 0
    with db.transaction() as conn:
        return Numbering.reclaim(conn, gone), IdempotencyKeys.reclaim(conn, gone)
