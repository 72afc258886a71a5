"""PostgreSQL (psycopg 3 and a connection pool): many docgen servers on one database.

The contract is SQLite's (see ``database``), kept across processes:

- **Writers are serialised** by ``pg_advisory_xact_lock(WRITE_LOCK)`` taken as
  the first statement of every write transaction, released at commit or
  rollback. Under READ COMMITTED each later statement then sees every write
  committed before the lock was granted, so a read-then-write (the lowest free
  文书编号, an Idempotency-Key claim, the next case number, the next stage) is
  atomic across servers exactly as ``BEGIN IMMEDIATE`` makes it on SQLite.
  Reads take no lock. Write transactions are short (no rendering or
  conversion inside), so one lock costs little next to a conversion.
- **A boot is alive while its session lock is held.** Each server process
  holds ``pg_advisory_lock(BOOT_LOCKS, key)`` on a connection of its own for
  its whole life; when the process dies (``kill -9`` included) its socket
  closes and PostgreSQL releases the lock. Another server that can take the
  lock knows the boot is dead and may reclaim what it left in flight.
  TCP keepalives on that session bound how long a vanished host goes unnoticed.
- **Waiters are woken across servers** by ``NOTIFY``: a document waiting for a lower
  number of its series polls the database, and a commit on any server sends a
  notification that wakes it at once instead of at its next poll.
"""
from __future__ import annotations

import re
import secrets
import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence

import psycopg
from psycopg_pool import ConnectionPool

from .contract import POSTGRES, Database, Row

#: The advisory lock every write transaction takes (one bigint key; "docgen" in ASCII).
WRITE_LOCK = 0x646F6367656E
#: The first key of the two-key advisory locks that mark live boots (the second is the boot's).
BOOT_LOCKS = 0x646F63
#: Seconds of silence before PostgreSQL probes a boot's session, between probes, and probes lost.
KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}

_QUOTED = re.compile(r"('(?:[^']|'')*')")
_TYPES = ((re.compile(r"\bREAL\b"), "DOUBLE PRECISION"), (re.compile(r"\bINTEGER\b"), "BIGINT"),
          (re.compile(r"\bBLOB\b"), "BYTEA"))


@lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """``?`` → ``%s`` outside string literals, and a literal ``%`` doubled, for psycopg."""
    parts = _QUOTED.split(sql.replace("%", "%%"))
    return "".join(part if index % 2 else part.replace("?", "%s") for index, part in enumerate(parts))


class PgRow:
    """A row as ``sqlite3.Row`` behaves: by index, by column name, ``keys()``, ``dict(row)``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _rows(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], PgRow]:
    index = {column.name: number for number, column in enumerate(cursor.description or ())}
    return lambda values: PgRow(index, values)


class PgConnection:
    """A pooled connection that takes the shared dialect's ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self.raw.execute(placeholders(sql), tuple(params))


class PostgresDatabase(Database):
    kind = POSTGRES

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        psycopg.connect(url, connect_timeout=10).close()  # fail at once, with the server's own reason
        self.pool = ConnectionPool(url, min_size=1, max_size=max(pool_size, 2), open=True, name="docgen",
                                   kwargs={"autocommit": True, "row_factory": _rows})
        self.pool.wait(timeout=30)
        self._boots: dict[str, psycopg.Connection[Any]] = {}
        self._boot_guard = threading.Lock()
        self._listeners: dict[str, list[Callable[[], None]]] = {}
        self._listening: psycopg.Connection[Any] | None = None

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield PgConnection(conn)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.pool.connection() as conn:
            return conn.execute(placeholders(sql), tuple(params)).fetchall()

    def json_text(self, column: str, key: str) -> str:
        return f"({column}::jsonb ->> '{key}')"

    def ddl(self, script: str) -> list[str]:
        for pattern, replacement in _TYPES:
            script = pattern.sub(replacement, script)
        return [statement for statement in script.split(";") if statement.strip()]

    def schema_version(self, conn: Any) -> int:
        conn.execute("CREATE TABLE IF NOT EXISTS docgen_schema (version BIGINT NOT NULL)")
        row = conn.execute("SELECT MAX(version) FROM docgen_schema").fetchone()
        return int(row[0] or 0)

    def set_schema_version(self, conn: Any, version: int) -> None:
        conn.execute("DELETE FROM docgen_schema")
        conn.execute("INSERT INTO docgen_schema (version) VALUES (?)", (int(version),))

    def writable(self) -> bool:
        """The server answers and is a primary (a standby refuses writes)."""
        try:
            row = self.query_one("SELECT NOT pg_is_in_recovery()")
        except psycopg.Error:
            return False
        return bool(row and row[0])

    def hold_boot(self, boot_id: str) -> int:
        """Take a fresh boot lock on a session of its own, kept open for the process's life."""
        conn = psycopg.connect(self.url, autocommit=True)
        for name, value in KEEPALIVE.items():
            conn.execute(f"SET {name} = {int(value)}")
        while True:
            key = secrets.randbits(31)
            if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (BOOT_LOCKS, key)).fetchone()[0]:
                break
        with self._boot_guard:
            self._boots[boot_id] = conn
        return key

    def alive(self, boot_id: str | None, lock_key: int | None) -> bool:
        """Alive if it is this process's, or if its lock is held by some session; dead if it can be taken."""
        if boot_id in self._boots:
            return True
        if boot_id is None or lock_key is None:
            return False
        with self.pool.connection() as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (BOOT_LOCKS, lock_key)).fetchone()[0]:
                return True
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (BOOT_LOCKS, lock_key))
        return False

    def notify(self, channel: str) -> None:
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_notify(%s, '')", (channel,))

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        with self._boot_guard:
            new = channel not in self._listeners
            self._listeners.setdefault(channel, []).append(callback)
            if self._listening is None:
                self._listening = psycopg.connect(self.url, autocommit=True)
                threading.Thread(target=self._dispatch, args=(self._listening,), daemon=True,
                                 name="docgen-listen").start()
            if new:  # the dispatcher lets go of the connection between its waits
                self._listening.execute(f'LISTEN "{channel}"')

    def _dispatch(self, conn: psycopg.Connection[Any]) -> None:
        """Run the callbacks of each notification, until the connection is closed."""
        try:
            while not conn.closed:
                for note in conn.notifies(timeout=0.5):
                    for callback in list(self._listeners.get(note.channel, ())):
                        callback()
        except psycopg.Error:
            pass  # closed: the waiters fall back to polling

    def close(self) -> None:
        with self._boot_guard:
            if self._listening is not None:
                self._listening.close()
                self._listening = None
            for conn in self._boots.values():
                try:  # at once: the server ends a closed session's locks only when its backend exits
                    conn.execute("SELECT pg_advisory_unlock_all()")
                except psycopg.Error:
                    pass  # the session is gone already, and its locks with it
                conn.close()
            self._boots.clear()
        self.pool.close()
