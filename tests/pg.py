"""Throwaway PostgreSQL databases for tests: each test that names PostgreSQL gets one of its own.

The server is the machine's PostgreSQL (``DOCGEN_TEST_PG``, default the local trust-auth one CI
starts); a database ``docgen_test_<uuid>`` is created for the test and dropped after it.
"""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import psycopg

ADMIN_URL = os.environ.get("DOCGEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def url_of(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database, dropped (connections and all) afterwards."""
    name = f"docgen_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_of(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
