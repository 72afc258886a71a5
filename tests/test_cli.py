"""The ``docgen`` command line, run as a real subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import pdftools
from docgen.catalogue import Catalogue


def docgen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True,
                          input=stdin)


def test_templates_lists_the_catalogue_as_json(catalogue: Catalogue) -> None:
    listed = json.loads(docgen("templates", "--json").stdout)
    assert {row["id"] for row in listed} == set(catalogue.templates)
    assert all(row["current_version"] for row in listed)


def test_example_prints_the_example_payload(catalogue: Catalogue) -> None:
    printed = json.loads(docgen("example", "penalty-notice").stdout)
    assert printed == catalogue.get("penalty-notice").example


@pytest.mark.libreoffice  # docgen render converts with LibreOffice
def test_render_writes_a_pdf_and_a_docx(tmp_path: Path, catalogue: Catalogue) -> None:
    payload = tmp_path / "notice.json"
    payload.write_text(json.dumps(catalogue.get("penalty-notice").example, ensure_ascii=False), encoding="utf-8")
    pdf = tmp_path / "notice.pdf"
    result = docgen("render", "penalty-notice", str(payload), "-o", str(pdf))
    assert result.returncode == 0, result.stderr
    assert pdftools.contains(pdftools.body_text(pdf.read_bytes()), catalogue.get("penalty-notice").example["facts"])
    docx = tmp_path / "notice.docx"
    assert docgen("render", "penalty-notice", str(payload), "-o", str(docx), "--docx").returncode == 0
    assert docx.read_bytes().startswith(b"PK")


def test_bad_input_prints_the_error_list_and_fails(tmp_path: Path) -> None:
    out = tmp_path / "never.pdf"
    result = docgen("render", "penalty-notice", "-", "-o", str(out), stdin='{"party": {"kind": "alien"}}')
    assert result.returncode == 1
    problem = json.loads(result.stderr)
    assert problem["status"] == 422 and problem["errors"]
    assert any(error["pointer"] == "/party/kind" for error in problem["errors"])
    broken = docgen("render", "penalty-notice", "-", "-o", str(out), stdin="{not json")
    assert broken.returncode == 1 and "不是有效的 JSON" in broken.stderr
    assert not out.exists()
    unknown = docgen("example", "no-such-template")
    assert unknown.returncode == 1 and json.loads(unknown.stderr)["status"] == 404
