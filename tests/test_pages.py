"""Every instrument, rendered for real, fits its pages.

For the current version of every template in the manifest, these documents go
through real LibreOffice (one pool of two warm workers for the whole module, fed
by two threads): the released example; a maximal payload generated from the
schema (``tests/payloads.py``: every optional field, long texts, 25 rows, all
approval boxes signed with long opinions), with the party as an organisation;
and, where the schema has a party, the example with the party replaced by a
maximal person (the person branch changes only the party block, so it does not
need a second maximal document). Each PDF:

- opens (pypdf) and has the pages poppler sees;
- shows every non-ASCII free text of its payload, whole or continued across a
  page break (``pagelayout.shown``: a table row split over two pages puts the
  repeated header and the neighbouring cells between the halves of a value, and a
  running-footer heuristic would drop text that repeats on every page, as on 封条);
- keeps every word inside the printable area (the rule: ``tests/pagelayout.py``);
- embeds every font;
- if the instrument is a record (笔录), carries "第 N 页 共 M 页" with the right N and
  M and the footer's signature line on every page, since each page is signed.
"""
from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from docx import Document
from docx.shared import Mm
from pypdf import PdfReader

import pdftools
from docgen.catalogue import Catalogue, TemplateVersion
from docgen.config import PROJECT_DIR, load_agency
from docgen.conversion import ConverterPool
from docgen.rendering import RenderContext, render_docx
from pagelayout import (PAGE_NUMBERING, Box, Geometry, Line, Page, Word, footer_lines, margin_texts, page_texts,
                        read_pages, shown, signature_lines, squeeze, violations)
from payloads import approvals, choice_values, maximal, printed_values

# DOCGEN_CATALOGUE_DIR (as for the service) checks another catalogue, e.g. a preview of unreleased ones.
CATALOGUE = Catalogue(Path(os.environ.get("DOCGEN_CATALOGUE_DIR", PROJECT_DIR)))
AGENCY = load_agency()
CURRENT = [template.current for template in CATALOGUE.templates.values()]


@dataclass(frozen=True)
class Case:
    """One document to render: a version, a payload and the approvals its boxes show."""

    release: TemplateVersion
    name: str  # example, maximal, person
    payload: dict[str, Any]
    approvals: dict[str, Any]
    problem: str = ""  # the payload could not be generated: every test of the case fails with it

    @property
    def id(self) -> str:
        return f"{self.release.key}-{self.name}"

    def context(self) -> RenderContext:
        number = ""
        if self.release.numbered:
            numbering = AGENCY["numbering"]
            prefix = numbering["prefixes"].get(self.release.template_id, AGENCY["short_name"])
            number = numbering["format"].format(prefix=prefix, year=2026, seq=1234)
        return RenderContext(data=self.payload, agency=AGENCY, doc_number=number,
                             extra={"approvals": self.approvals})


def cases() -> Iterator[Case]:
    for release in CURRENT:
        yield Case(release, "example", release.example, {})
        try:
            signed = approvals(list(release.workflow.stages))
            organisation = maximal(release.schema, CATALOGUE.registry, "organization", release.example)
            person = maximal(release.schema, CATALOGUE.registry, "person", release.example)
        except Exception as exc:  # noqa: BLE001 - one schema the generator cannot fill fails only its own tests
            yield Case(release, "maximal", {}, {}, problem=f"tests/payloads.py cannot fill the schema: {exc}")
            continue
        yield Case(release, "maximal", organisation.payload, signed)
        if any(kind == "person" for _, kind in person.choices):
            yield Case(release, "person", person.swapped_into(release.example), {})


CASES = list(cases())


@dataclass(frozen=True)
class Rendered:
    """A case as converted and read back; ``error`` when any step failed."""

    case: Case
    docx: bytes = b""
    pdf: bytes = b""
    pages: tuple[Page, ...] = ()
    texts: tuple[str, ...] = ()  # each page's text, see pagelayout.page_texts
    fonts: tuple[dict[str, str], ...] = ()
    error: BaseException | None = None


def produce(case: Case, pool: ConverterPool) -> Rendered:
    if case.problem:
        return Rendered(case, error=ValueError(case.problem))
    try:
        docx = render_docx(case.release.template_bytes, case.context())
        pdf = pool.convert(docx)
        return Rendered(case, docx, pdf, tuple(read_pages(pdf)), tuple(page_texts(pdftools.text(pdf))),
                        tuple(pdftools.fonts(pdf)))
    except Exception as exc:  # noqa: BLE001 - reported by every test of this case
        return Rendered(case, error=exc)


@pytest.fixture(scope="module")
def pool(libreoffice: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConverterPool]:
    with ConverterPool(2, tmp_path_factory.mktemp("pages"), timeout=120.0) as shared:
        yield shared


@pytest.fixture(scope="module")
def rendered(pool: ConverterPool) -> dict[str, Rendered]:
    """Every case rendered once, by two threads (converting and reading the PDFs overlap)."""
    with ThreadPoolExecutor(2) as threads:
        return {r.case.id: r for r in threads.map(lambda case: produce(case, pool), CASES)}


def document(rendered: dict[str, Rendered], case: Case) -> Rendered:
    result = rendered[case.id]
    if result.error is not None:
        raise AssertionError(f"{case.id}: rendering or conversion failed: {result.error!r}") from result.error
    return result


ids = [case.id for case in CASES]


def test_every_maximal_payload_validates() -> None:
    """A payload the schema rejects tests nothing: the generator must understand every schema."""
    for case in CASES:
        assert not case.problem, f"{case.id}: {case.problem}"
        if case.name != "example":  # the examples are the linter's business
            issues = CATALOGUE.validator(case.release).issues(case.payload)
            assert not issues, f"{case.id}: tests/payloads.py made an invalid payload: " + "; ".join(
                f"{i.pointer} {i.message}" for i in issues)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_the_pdf_opens(rendered: dict[str, Rendered], case: Case) -> None:
    result = document(rendered, case)
    reader = PdfReader(io.BytesIO(result.pdf))
    assert len(reader.pages) == len(result.pages) >= 1
    for page, read in zip(reader.pages, result.pages):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == \
               (round(read.width), round(read.height))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_every_value_is_shown(rendered: dict[str, Rendered], case: Case) -> None:
    result = document(rendered, case)
    choices = choice_values(case.release.schema, CATALOGUE.registry)
    values = list(printed_values(case.payload, choices))
    values += [(f"/approvals/{stage}/{key}", box[key]) for stage, box in case.approvals.items()
               for key in ("opinion", "signer")]
    missing = [f"{pointer}: {value[:30]}…" for pointer, value in values if not shown(result.texts, value)]
    assert not missing, f"{case.id}: values missing from the PDF text:\n" + "\n".join(missing)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_the_text_stays_inside_the_printable_area(rendered: dict[str, Rendered], case: Case) -> None:
    result = document(rendered, case)
    headers, footers = margin_texts(result.docx)
    found = violations(list(result.pages), Geometry.of_docx(result.docx), footers, headers)
    assert not found, f"{case.id}: {len(found)} words outside the printable area:\n" + "\n".join(
        map(str, found[:20]))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_every_font_is_embedded(rendered: dict[str, Rendered], case: Case) -> None:
    result = document(rendered, case)
    assert result.fonts, f"{case.id}: no fonts at all"
    assert all(font["emb"] == "yes" for font in result.fonts), [f["line"] for f in result.fonts]


RECORDS = [case for case in CASES if case.release.kind == "record"]


@pytest.mark.parametrize("case", RECORDS, ids=[case.id for case in RECORDS])
def test_every_page_of_a_record_is_numbered_and_has_the_signature_line(
        rendered: dict[str, Rendered], case: Case) -> None:
    result = document(rendered, case)
    geometry = Geometry.of_docx(result.docx)
    signatures = signature_lines(result.docx)
    assert signatures, f"{case.id}: a record's footer needs a signature line for every page"
    total = len(result.pages)
    for page in result.pages:
        footer = page.text(footer_lines(page, geometry))
        numbers = [(int(n), int(m)) for n, m in PAGE_NUMBERING.findall(footer)]
        assert numbers == [(page.number, total)], f"{case.id} page {page.number}: footer reads {footer!r}"
        for signature in signatures:
            assert signature in squeeze(footer), f"{case.id} page {page.number}: no {signature!r} in {footer!r}"


# The rule itself: it must catch what it is there to catch ------------------------------------

A4 = Geometry(width=595.3, height=841.9, top=70.9, bottom=85.0, left=70.9, right=56.7)


def line(text: str, x0: float, y0: float, x1: float, size: float = 12.0) -> Line:
    box = Box(x0, y0, x1, y0 + size * 1.3)
    return Line(text, box, (Word(text, box),))


def page(*lines: Line) -> list[Page]:
    return [Page(1, A4.width, A4.height, lines)]


def test_one_hanging_punctuation_mark_is_allowed_but_no_more() -> None:
    right = A4.width - A4.right
    allowed = line("四个汉字，", right - 48, 300, right + 12)  # the comma hangs one 12 pt character
    too_far = line("四个汉字，", right - 36, 320, right + 24)  # two characters past the margin
    not_punctuation = line("四个汉字字", right - 48, 340, right + 12)
    found = violations(page(allowed, too_far, not_punctuation), A4)
    assert [v.text for v in found] == ["四个汉字，", "四个汉字字"]
    assert all("右边距" in v.rule for v in found)


def test_body_text_in_the_footer_area_is_caught_and_the_footer_is_not() -> None:
    bottom = A4.height - A4.bottom
    footer = line("第 3 页　共 9 页", 250, bottom + 20, 340, 10.5)
    overflow = line("正文的最后一行", 71, bottom + 2, 200)
    straddling = line("压线的一行", 71, bottom - 10, 200)
    found = violations(page(footer, overflow, straddling), A4, footers=["第#页共#页"])
    assert [(v.text, v.rule) for v in found] == [("正文的最后一行", "正文进入了下边距（页脚区域）"),
                                                ("压线的一行", "正文越过了下边距线")]


def test_text_near_the_paper_edge_is_caught() -> None:
    found = violations(page(line("页边", 10, 300, 34)), A4)
    assert {v.rule for v in found} >= {"离纸边不足 5 毫米（或在页面之外）"}


def test_a_real_paragraph_past_the_right_margin_is_caught(pool: ConverterPool) -> None:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    document.add_paragraph("这一段在版心之内。")
    document.add_paragraph("这一段的右缩进为负，文字越过了右边距。" * 4).paragraph_format.right_indent = Mm(-15)
    out = io.BytesIO()
    document.save(out)
    found = violations(read_pages(pool.convert(out.getvalue())), Geometry.of_docx(out.getvalue()))
    assert found and all("右边距" in v.rule and v.text.startswith("这一段的右缩进") for v in found)


def test_a_value_continued_on_the_next_page_is_shown_and_a_truncated_one_is_not() -> None:
    pages = ["表头甲乙丙丁戊己庚", "序号名称表头辛壬癸子丑"]
    assert shown(pages, "甲乙丙丁戊己庚辛壬癸")
    assert shown(pages, "丙丁戊")
    assert not shown(pages, "甲乙丙丁戊己庚辛壬癸寅卯")
    assert not shown(pages, "甲乙丙丁戊己庚辛壬癸子丑寅")
