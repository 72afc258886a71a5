"""The ``Converter`` protocol and the test-only fixed-PDF converter (no LibreOffice needed here)."""
from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

import pdftools
from docgen.config import Settings
from docgen.conversion import ConverterPool
from docgen.converters import Converter, converter_for
from docgen.errors import ConversionFailed
from docgen.fixedpdf import FIXED_PDF, FixedPdfConverter


def docx(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_both_converters_are_converters(tmp_path: Path) -> None:
    assert isinstance(FixedPdfConverter(), Converter)
    assert isinstance(ConverterPool(1, tmp_path), Converter)  # not started: no process yet


def test_the_setting_chooses_the_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_CONVERTER", raising=False)
    settings = Settings.from_env(tmp_path)
    assert settings.converter == "libreoffice"
    pool = converter_for(settings, tmp_path / "converters")
    assert isinstance(pool, ConverterPool) and len(pool._slots) == settings.converters
    assert len(converter_for(settings, tmp_path / "converters", size=1)._slots) == 1  # type: ignore[attr-defined]
    monkeypatch.setenv("DOCGEN_CONVERTER", "fake")
    assert isinstance(converter_for(Settings.from_env(tmp_path), tmp_path), FixedPdfConverter)
    monkeypatch.setenv("DOCGEN_CONVERTER", "gotenberg")
    with pytest.raises(ValueError, match="DOCGEN_CONVERTER must be one of libreoffice, fake"):
        Settings.from_env(tmp_path)
    assert isinstance(converter_for(replace(settings, converter="fake"), tmp_path), FixedPdfConverter)


def test_the_fixed_pdf_is_a_pdfa_3b_with_its_fonts_embedded() -> None:
    pdf = FIXED_PDF.read_bytes()
    assert pdftools.pdfa_part(pdf) == ("3", "B")
    rows = pdftools.fonts(pdf)
    assert rows and all(row["emb"] == "yes" for row in rows), rows
    assert "测试转换器" in pdftools.text(pdf), "the page says it is not an instrument"


def test_each_document_gets_its_own_identifier_and_nothing_else_changes() -> None:
    converter = FixedPdfConverter()
    converter.start()
    one, other = docx("甲"), docx("乙")
    first, second = converter.convert(one), converter.convert(other)
    assert first != second and converter.convert(one) == first
    fixed = FIXED_PDF.read_bytes()
    assert len(first) == len(fixed)
    assert sum(a != b for a, b in zip(first, fixed)) <= 64, "only the two /ID strings differ"
    ids = [PdfReader(io.BytesIO(pdf)).trailer["/ID"] for pdf in (first, second)]
    assert ids[0][0] == ids[0][1] and ids[0][0] != ids[1][0]
    assert pdftools.pdfa_part(first) == ("3", "B")
    assert pdftools.text(first) == pdftools.text(fixed)


def test_refuses_what_is_not_a_docx_and_works_only_while_started(caplog: pytest.LogCaptureFixture) -> None:
    converter = FixedPdfConverter()
    assert converter.alive() == 0
    with pytest.raises(ConversionFailed, match="尚未启动"):
        converter.convert(docx("甲"))
    converter.start()
    assert converter.alive() == 1
    assert "仅用于测试" in caplog.text, "a server started with the fake converter says so in its log"
    with pytest.raises(ConversionFailed, match="不是 DOCX"):
        converter.convert(b"%PDF-1.7 not a docx")
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "no word/document.xml")
    with pytest.raises(ConversionFailed, match="无法转换"):
        converter.convert(empty.getvalue())
    converter.close()
    converter.close()
    assert converter.alive() == 0
    with pytest.raises(ConversionFailed, match="已关闭"):
        converter.convert(docx("甲"))


def test_a_file_that_is_not_the_fixed_pdf_is_refused_at_start(tmp_path: Path) -> None:
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.6\n%%EOF\n")
    with pytest.raises(ConversionFailed, match="make_fixed_pdf"):
        FixedPdfConverter(other).start()
