# docgen: `make run` serves on 127.0.0.1:8000, `make test` runs the suite.
# Both install what is missing first (apt packages included), so a fresh clone works.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := libreoffice-writer-nogui python3-uno fonts-noto-cjk poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
INSTALLED := $(VENV)/.installed

.PHONY: setup apt run test test-fast bench templates

setup: apt $(INSTALLED)

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

run: setup
	$(BIN)/docgen serve --host 127.0.0.1 --port 8000

test: setup
	$(BIN)/pytest -q

# The logic without LibreOffice, Chromium, PostgreSQL, the whole-catalogue sweeps or the end-to-end
# system tests: API contract against a DOCGEN_CONVERTER=fake server on SQLite, in two processes (pytest-xdist,
# one per core). `make test` runs everything, in one.
test-fast: setup
	$(BIN)/pytest -q -n 2 -m "not libreoffice and not browser and not postgresql and not catalogue and not system"

bench: setup
	$(BIN)/python bench/bench.py

templates: setup
	$(BIN)/python tools/build_templates.py

# Every instrument's example and blank form as PDF, PNG pages and one contact sheet, to look at.
.PHONY: gallery
gallery: setup
	$(BIN)/python tools/gallery.py
