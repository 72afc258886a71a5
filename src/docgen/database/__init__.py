"""The database seam: SQLite (one server, embedded) or PostgreSQL (many servers), one contract.

Callers write SQL once, in the dialect both engines share (``?`` placeholders,
``INSERT … ON CONFLICT``, ``COALESCE``, ``LIKE … ESCAPE``), and reach the
database only through ``Database``:

- ``transaction()`` — writers are serialised, as SQLite's ``BEGIN IMMEDIATE``
  does: a read-then-write inside it is atomic across threads and, on
  PostgreSQL, across server processes (a transaction-scoped advisory lock).
  The numbering, idempotency, approval and case code relies on exactly that.
- ``query`` / ``query_one`` — reads outside a transaction.
- ``json_text`` — the one expression that differs (a key of a JSON text column).
- boots: ``hold_boot`` / ``alive`` — whether a server process that left rows in
  flight is dead, so another may reclaim them (see ``boot.py``).

Schema and migrations are not here: they are the records' business
(``storage.MIGRATIONS``), written once and translated by ``ddl``.
"""
from __future__ import annotations

from pathlib import Path

from .contract import (POSTGRES, SQLITE, Connection, Cursor, Database, DatabaseError, IntegrityError,  # noqa: F401
                       Row)
from .postgres import PostgresDatabase
from .sqlite import SQLiteDatabase


def open_database(target: str | Path, pool_size: int = 10) -> Database:
    """``postgresql://…`` (or ``postgres://…``) opens PostgreSQL; a path or ``sqlite:///…`` opens SQLite."""
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text, pool_size)
    return SQLiteDatabase(Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text))
