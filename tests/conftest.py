"""Shared fixtures: real docgen servers for the session, each with its own data dir; the test tiers.

Two markers (registered in pyproject.toml) say what a test needs besides Python:

- ``libreoffice``: real conversion. A fixture that converts with LibreOffice requests the
  ``libreoffice`` fixture (``server`` does, and with it ``client``; test_pages' ``pool`` does), and
  every test that uses it, directly or through other fixtures, is marked here: a new test is
  classified without thinking about it. A test that starts LibreOffice itself (its own ``Server``,
  a ``ConverterPool``, ``soffice``) carries the mark.
- ``browser``: Chromium through Playwright; every test that uses the ``browser`` fixture.

``postgresql``: needs the PostgreSQL server: every test on a PostgreSQL backend (a ``postgresql``
parameter, ``pg_fake_server``) and the many-server and migration modules.
``system`` (set by hand) marks the end-to-end tests across processes or a generated year, and
``catalogue`` the whole-catalogue sweeps. ``pytest -m "not libreoffice and not browser and not
postgresql and not catalogue and not system"`` (``make test-fast``) runs the rest. API contract
tests use ``api_server``/``api`` instead of ``server``/``client``: those run twice in the full suite,
against the LibreOffice server and against ``fake_server`` (``DOCGEN_CONVERTER=fake``: one fixed
PDF/A-3b, sealed and verifiable, showing none of the data), and only against the latter in the fast
tier. A test that reads the data back from the PDF needs ``server``.

Storage backends: ``api_server`` also runs on PostgreSQL (``fake-postgresql``: the fixed-PDF
converter, a database of its own), and ``database_url``/``db`` give storage-level tests one SQLite
file and one fresh PostgreSQL database (``tests/pg.py``) in turn. PostgreSQL must be running: these
tests fail, never skip, without it (``.ci/run`` checks it first).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from docgen.catalogue import Catalogue
from docgen.config import PROJECT_DIR, calendar_of, load_agency
from docgen.database import Database
from docgen.storage import connect

sys.path.insert(0, str(Path(__file__).parent))

from pg import fresh_database  # noqa: E402
from serving import Server  # noqa: E402
from tiers import BACKENDS, CONVERTERS, LIBREOFFICE, POSTGRES  # noqa: E402

NEEDS = {"libreoffice": "libreoffice", "browser": "browser", "postgresql": "pg_fake_server"}  # marker: the fixture that implies it


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))  # every fixture, through fixtures that use fixtures
        for marker, fixture in NEEDS.items():
            if fixture in used:
                item.add_marker(marker)
        callspec = getattr(item, "callspec", None)  # a test parametrised over the backends, on PostgreSQL
        if callspec is not None and POSTGRES in callspec.params.values():
            item.add_marker("postgresql")


@pytest.fixture(scope="session")
def libreoffice() -> None:
    """Requested by the fixtures that convert with LibreOffice, so that their tests are marked
    ``libreoffice`` (the fixture itself provides nothing)."""


@pytest.fixture(scope="session")
def lo_server(libreoffice: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server with real LibreOffice conversion (whatever ``DOCGEN_CONVERTER`` says outside)."""
    srv = Server(tmp_path_factory.mktemp("server") / "data", DOCGEN_CONVERTER=LIBREOFFICE)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def server(lo_server: Server) -> Server:
    """``lo_server``; a module may override ``server`` to run its tests on PostgreSQL too (test_cases)."""
    return lo_server


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


#: Fixtures through which a test may use ``fake_server`` (``api_server`` picks it by parameter).
FAKE_USERS = {"fake_server", "api_server", "api"}
_booting: list[Server] = []


def _fake(factory: pytest.TempPathFactory) -> Server:
    return Server(factory.mktemp("fake-server") / "data", wait=False, DOCGEN_CONVERTER="fake")


def pytest_itemcollected(item: pytest.Item) -> None:
    """Start ``fake_server`` as soon as a test that may use it is collected: it boots (a second of
    imports) on the other core while the rest of the suite is collected."""
    if not _booting and FAKE_USERS & set(getattr(item, "fixturenames", ())):
        _booting.append(_fake(item.config._tmp_path_factory))  # type: ignore[attr-defined]


def pytest_sessionfinish() -> None:
    for srv in _booting:  # started for tests that were then deselected
        srv.stop()


@pytest.fixture(scope="session")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the test-only fixed-PDF converter: everything but the typesetting is real."""
    srv = (_booting.pop() if _booting else _fake(tmp_path_factory)).ready()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def pg_fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``fake_server`` on PostgreSQL: a database of its own, dropped at the end of the session."""
    with fresh_database() as url:
        srv = Server(tmp_path_factory.mktemp("pg-fake-server") / "data", DOCGEN_CONVERTER="fake",
                     DOCGEN_DATABASE_URL=url)
        yield srv
        srv.stop()


@pytest.fixture(scope="session", params=[*CONVERTERS, POSTGRES])
def api_server(request: pytest.FixtureRequest) -> Server:
    """For API contract tests: the LibreOffice ``server`` (marked ``libreoffice``), then ``fake_server``,
    then ``pg_fake_server`` (the same on PostgreSQL)."""
    fixture = {LIBREOFFICE: "lo_server", POSTGRES: "pg_fake_server"}.get(request.param, "fake_server")
    return request.getfixturevalue(fixture)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database of each backend in turn: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == POSTGRES:
        with fresh_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """``database_url`` opened and migrated."""
    database = connect(database_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def api(api_server: Server) -> Iterator[httpx.Client]:
    """A case system's client of ``api_server``."""
    with api_server.client() as http:
        yield http


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The catalogue as the test server wires it: deadlines counted with the shipped agency calendar,
    choices narrowed by the shipped agency's ``choices``."""
    agency = load_agency()
    return Catalogue(PROJECT_DIR, calendar_of(agency), agency.get("choices"))
