"""Shared fixtures: real docgen servers for the session, each with its own data dir; the test tiers.

Two markers (registered in pyproject.toml) say what a test needs besides Python:

- ``libreoffice``: real conversion. A fixture that converts with LibreOffice requests the
  ``libreoffice`` fixture (``server`` does, and with it ``client``; test_pages' ``pool`` does), and
  every test that uses it, directly or through other fixtures, is marked here: a new test is
  classified without thinking about it. A test that starts LibreOffice itself (its own ``Server``,
  a ``ConverterPool``, ``soffice``) carries the mark.
- ``browser``: Chromium through Playwright; every test that uses the ``browser`` fixture.

``system`` (set by hand) marks the end-to-end tests across processes or a generated year, and
``catalogue`` the whole-catalogue sweeps. ``pytest -m "not libreoffice and not browser and not
catalogue and not system"`` (``make test-fast``) runs the rest. API contract
tests use ``api_server``/``api`` instead of ``server``/``client``: those run twice in the full suite,
against the LibreOffice server and against ``fake_server`` (``DOCGEN_CONVERTER=fake``: one fixed
PDF/A-3b, sealed and verifiable, showing none of the data), and only against the latter in the fast
tier. A test that reads the data back from the PDF needs ``server``.
"""
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
from tiers import CONVERTERS, LIBREOFFICE  # noqa: E402

NEEDS = {"libreoffice": "libreoffice", "browser": "browser"}  # marker: the fixture that implies it


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))  # every fixture, through fixtures that use fixtures
        for marker, fixture in NEEDS.items():
            if fixture in used:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def libreoffice() -> None:
    """Requested by the fixtures that convert with LibreOffice, so that their tests are marked
    ``libreoffice`` (the fixture itself provides nothing)."""


@pytest.fixture(scope="session")
def server(libreoffice: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server with real LibreOffice conversion (whatever ``DOCGEN_CONVERTER`` says outside)."""
    srv = Server(tmp_path_factory.mktemp("server") / "data", DOCGEN_CONVERTER=LIBREOFFICE)
    yield srv
    srv.stop()


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


@pytest.fixture(scope="session", params=CONVERTERS)
def api_server(request: pytest.FixtureRequest) -> Server:
    """For API contract tests: the LibreOffice ``server`` (marked ``libreoffice``), then ``fake_server``."""
    return request.getfixturevalue("server" if request.param == LIBREOFFICE else "fake_server")


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
