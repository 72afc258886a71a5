"""Shared fixtures: one real docgen server for the session, with its own data dir."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, calendar_of, load_agency

sys.path.insert(0, str(Path(__file__).parent))

from serving import Server  # noqa: E402


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("server") / "data")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The catalogue as the test server wires it: deadlines counted with the shipped agency calendar,
    choices narrowed by the shipped agency's limits."""
    agency = load_agency()
    return Catalogue(PROJECT_DIR, calendar_of(agency), agency.get("limits"))
