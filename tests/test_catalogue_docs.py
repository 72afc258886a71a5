"""docs/instruments.md is the manifest's catalogue, and each release records its legal basis."""
from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from docgen.config import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR / "tools"))

import build_templates  # noqa: E402
import catalogue_docs  # noqa: E402
from legal_basis import legal_basis, legal_basis_of  # noqa: E402


def test_the_catalogue_page_is_up_to_date() -> None:
    expected = catalogue_docs.render(catalogue_docs.rows(PROJECT_DIR))
    current = (PROJECT_DIR / catalogue_docs.OUTPUT).read_text(encoding="utf-8")
    assert current == expected, "docs/instruments.md is stale: run .venv/bin/python tools/catalogue_docs.py"


def test_the_page_lists_every_template_with_stages_and_basis() -> None:
    rows = {row.template_id: row for row in catalogue_docs.rows(PROJECT_DIR)}
    manifest = json.loads((PROJECT_DIR / "templates" / "manifest.json").read_text(encoding="utf-8"))
    assert set(rows) == {entry["id"] for entry in manifest["templates"]}
    assert rows["penalty-notice"].basis == "行政处罚法第44条; 程序规定第57条"
    assert rows["major-decision-review"].stages[-1] == "局长审批"


def test_citations_are_taken_from_the_first_docstring_line() -> None:
    def notice() -> None:
        """行政处罚告知书 (行政处罚法第44条; 程序规定第57条).

        Not this line: 第99条.
        """

    def measure() -> None:
        """实施行政强制措施决定书: 行政强制法第24条 contents (第25条; 程序规定第37–38条、第41条第2款)."""

    def undocumented() -> None:
        pass

    assert legal_basis_of(notice) == "行政处罚法第44条; 程序规定第57条"
    assert legal_basis_of(measure) == "行政强制法第24条; 行政强制法第25条; 程序规定第37–38条; 程序规定第41条第2款"
    assert legal_basis_of(undocumented) == ""


def test_release_records_the_basis_in_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version (here: penalty-notice 99, a copy of version 1) gets ``basis`` in its entry."""
    shutil.copytree(PROJECT_DIR / "templates", tmp_path / "templates")
    shutil.copytree(PROJECT_DIR / "schemas", tmp_path / "schemas")
    shutil.copy(tmp_path / "schemas/penalty-notice/1.schema.json", tmp_path / "schemas/penalty-notice/99.schema.json")
    schema = tmp_path / "schemas/penalty-notice/99.schema.json"
    schema.write_text(schema.read_text(encoding="utf-8").replace("penalty-notice/1", "penalty-notice/99"),
                      encoding="utf-8")
    (tmp_path / "templates/penalty-notice/99").mkdir()
    shutil.copy(tmp_path / "templates/penalty-notice/1/example.json", tmp_path / "templates/penalty-notice/99")
    monkeypatch.setattr(build_templates, "ROOT", tmp_path)
    instrument = replace(next(i for i in build_templates.INSTRUMENTS if i.id == "penalty-notice"), version="99")
    manifest = json.loads((tmp_path / "templates" / "manifest.json").read_text(encoding="utf-8"))

    build_templates.release(instrument, manifest, "2026-12-01", basis=legal_basis(instrument))

    entry = next(e for e in manifest["templates"] if e["id"] == "penalty-notice")
    assert entry["versions"][-1]["basis"] == "行政处罚法第44条; 程序规定第57条"
    assert entry["versions"][-1]["version"] == "99"
    assert "basis" not in entry["versions"][0]  # released versions are never rewritten
    assert [v["status"] for v in entry["versions"]] == ["retired"] * (len(entry["versions"]) - 1) + ["active"]
    assert (tmp_path / "templates/penalty-notice/99/template.docx").is_file()
    assert not (PROJECT_DIR / "templates/penalty-notice/99").exists()


@pytest.mark.catalogue
def test_every_released_template_is_what_its_builder_makes() -> None:
    """A shared block edited without new versions would leave released templates behind the code."""
    manifest = json.loads((PROJECT_DIR / "templates" / "manifest.json").read_text(encoding="utf-8"))
    assert len(build_templates.INSTRUMENTS) == len(manifest["templates"])
    assert build_templates.stale(build_templates.INSTRUMENTS, manifest) == []


@pytest.mark.catalogue
def test_a_changed_builder_is_named_for_a_new_version() -> None:
    manifest = json.loads((PROJECT_DIR / "templates" / "manifest.json").read_text(encoding="utf-8"))
    notice = next(i for i in build_templates.INSTRUMENTS if i.id == "penalty-notice")

    def amended(builder: Any) -> None:
        notice.build(builder)
        builder.paragraph("新增的一句。")

    assert build_templates.stale([replace(notice, build=amended)], manifest) == [f"penalty-notice 版本 {notice.version}"]
