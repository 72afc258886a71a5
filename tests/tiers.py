"""The converters a test can run with: LibreOffice (marked ``libreoffice``, full suite only) and the
test-only fixed PDF (``DOCGEN_CONVERTER=fake``, also in ``make test-fast``). See conftest.py."""
from __future__ import annotations

import pytest

from docgen.converters import FAKE, LIBREOFFICE  # noqa: F401 - LIBREOFFICE for the tests

#: ``params`` for a fixture that builds the same thing with either converter.
CONVERTERS = [pytest.param(LIBREOFFICE, marks=pytest.mark.libreoffice), FAKE]

#: The storage backends (``DOCGEN_DATABASE_URL``): SQLite, the default, and PostgreSQL.
SQLITE, POSTGRES = "sqlite", "postgresql"
BACKENDS = [SQLITE, POSTGRES]
