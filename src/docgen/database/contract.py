"""The contract both database engines keep (see the package docstring)."""
from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol, Sequence

import psycopg

#: Rows carry both ``row["column"]`` and ``row[0]``; ``dict(row)`` gives the columns.
Row = Any

#: A constraint (primary key, unique) refused the write, on either engine.
IntegrityError: tuple[type[BaseException], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)
#: Any failure of the database itself, on either engine.
DatabaseError: tuple[type[BaseException], ...] = (sqlite3.Error, psycopg.Error)

SQLITE, POSTGRES = "sqlite", "postgresql"


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...


class Connection(Protocol):
    """What a transaction hands its caller: ``execute`` with ``?`` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Cursor: ...


class Database(ABC):
    """One installation's database; see the module docstring for the contract."""

    kind: str
    url: str

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction; writers queue here, so read-then-write inside it is atomic."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a read outside a transaction."""

    def query_one(self, sql: str, *params: Any) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    def json_text(self, column: str, key: str) -> str:
        """The SQL expression for the text of top-level ``key`` of the JSON text in ``column``."""

    @abstractmethod
    def ddl(self, script: str) -> list[str]:
        """The statements of a portable DDL script, in this engine's types."""

    @abstractmethod
    def schema_version(self, conn: Connection) -> int:
        """How many of ``storage.MIGRATIONS`` this database has had (0: none, or a new database)."""

    @abstractmethod
    def set_schema_version(self, conn: Connection, version: int) -> None: ...

    @abstractmethod
    def writable(self) -> bool:
        """Whether a write could succeed now (cheap; for ``/readyz`` and the preflight)."""

    @abstractmethod
    def hold_boot(self, boot_id: str) -> int | None:
        """Mark ``boot_id`` alive for as long as this process lives; the lock key to record, if any."""

    @abstractmethod
    def alive(self, boot_id: str | None, lock_key: int | None) -> bool:
        """Whether the server process of ``boot_id`` (recorded with ``lock_key``) may still be running."""

    def notify(self, channel: str) -> None:
        """Tell every server's ``listen``ers on ``channel`` that something changed (after a commit)."""

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` when another server ``notify``s ``channel`` (one process needs none of it)."""

    def close(self) -> None:
        """Give back connections (a no-op where there is nothing to give back)."""
