"""A boot: one server process's life, under which it reserves numbers and claims keys.

Starting a boot reclaims what dead boots left in flight (see ``numbering``).
It is only safe while no other live process uses the database, which
``lock.InstanceLock`` guarantees for SQLite.
"""
from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from .idempotency import IdempotencyKeys
from .numbering import Numbering
from .storage import Database
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
    """Record a new boot and free everything earlier boots left in flight, in one transaction."""
    boot_id = uuid.uuid4().hex
    with db.transaction() as conn:
        numbers = Numbering.reclaim(conn, boot_id)
        keys = IdempotencyKeys.reclaim(conn, boot_id)
        conn.execute("INSERT INTO boots (id, pid, host, started_at, reclaimed_numbers, reclaimed_keys)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (boot_id, os.getpid(), socket.gethostname(),
                      record_now(), numbers, keys))
    return Boot(boot_id, numbers, keys)
