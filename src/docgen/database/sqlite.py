"""SQLite in WAL mode: the embedded default, one server per data directory (``lock.py``)."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from .contract import SQLITE, Database, Row


class SQLiteDatabase(Database):
    """One connection per thread, explicit transactions (``BEGIN IMMEDIATE``)."""

    kind = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self.url = f"sqlite:///{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._held: set[str] = set()

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

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.connection().execute(sql, tuple(params)).fetchall()

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def ddl(self, script: str) -> list[str]:
        return [statement for statement in script.split(";") if statement.strip()]

    def schema_version(self, conn: Any) -> int:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, conn: Any, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")

    def writable(self) -> bool:
        """The database file and its directory (journal, WAL) are writable."""
        return os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)

    def hold_boot(self, boot_id: str) -> None:
        """One server owns the data directory (``lock.InstanceLock``): only this process's boots live."""
        self._held.add(boot_id)
        return None

    def alive(self, boot_id: str | None, lock_key: int | None) -> bool:
        return boot_id in self._held
