"""The year's statistics as a printable report: a DOCX (python-docx) of the charts and every table,
converted to PDF/A-3b by the same converter as the instruments (warm LibreOffice), so it embeds
its fonts and passes the same page checks (``tests/pagelayout.py``).

A4 landscape (the widest tables have nine columns), 仿宋 body and 黑体 headings as the
instruments name them (``fonts.conf`` maps both to Noto CJK), a 第 X 页 共 Y 页 footer, each
table's header row repeated on a new page and no row split across pages. The report
is not an issued document: it is not numbered or signed; each figure's documents are in
the JSON and in the workbook's 文书清单.
"""
from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .annual import Annual
from .charts import charts

BODY, HEADING = "仿宋", "黑体"
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Mm(297), Mm(210), Mm(20)
FIRST_COLUMN = Mm(72)


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(container: Any, text: str, font: str = BODY, size: float = 10.5, bold: bool = False,
               center: bool = False, space_after: float = 4) -> Any:
    paragraph = container.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(space_after)
    paragraph.paragraph_format.space_before = Pt(0)
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _field(paragraph: Any, code: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) as LibreOffice reads it: begin, instruction, separate, a placeholder, end."""
    for kind, text in (("begin", None), ("instr", f" {code} "), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        _font(run, BODY, size)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)


def _footer(section: Any) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, code in (("第", "PAGE"), ("页共", "NUMPAGES")):
        _font(paragraph.add_run(text), BODY, 9)
        _field(paragraph, code, 9)
    _font(paragraph.add_run("页"), BODY, 9)


def _row_flags(row: Any, header: bool) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _table(document: Any, headers: list[str], rows: list[list[str]], width: int) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    other = (width - FIRST_COLUMN) // max(len(headers) - 1, 1)
    widths = [FIRST_COLUMN, *[other] * (len(headers) - 1)] if len(headers) > 1 else [width]
    for values, cells, header in [(headers, table.rows[0].cells, True)] + [
            (values, table.add_row().cells, False) for values in rows]:
        for n, (cell, value) in enumerate(zip(cells, values)):
            cell.width = widths[n]
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            if n:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if header else WD_ALIGN_PARAGRAPH.RIGHT
            _font(paragraph.add_run(value), HEADING if header else BODY, 9)
    for n, row in enumerate(table.rows):
        _row_flags(row, n == 0)
    for n, column in enumerate(table.columns):
        column.width = widths[n]


def _text(value: int | str) -> str:
    if isinstance(value, str) and "." in value and value.replace(".", "", 1).isdigit():
        whole, cents = value.split(".")
        return f"{int(whole):,}.{cents}"
    return str(value)


def report_docx(result: Annual, agency_name: str) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    section.footer_distance = Mm(10)
    width = PAGE_WIDTH - 2 * MARGIN
    _footer(section)
    _paragraph(document, f"{agency_name}{result.year}年度行政执法统计年报", HEADING, 18, center=True, space_after=6)
    scope = result.department or "全部承办部门"
    _paragraph(document, f"统计范围：{scope}；法定期限判断日：{result.as_of.isoformat()}。所有数字只计已签发、已签名的文书"
               "及其审批环节，每个数字所计文书见统计接口（JSON）或工作簿的“文书清单”。", size=10)
    for omitted in result.omitted:
        _paragraph(document, f"未列入：{omitted['title']}——{omitted['reason']}", size=10)
    tables = {t.id: t for t in result.tables}
    for chart in charts(tables):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = False
        paragraph.add_run().add_picture(io.BytesIO(chart.png), width=Mm(230))
    for number, table in enumerate(result.tables, start=1):
        heading = _paragraph(document, f"表{number}　{table.title}", HEADING, 12, space_after=2)
        heading.paragraph_format.space_before = Pt(8)
        heading.paragraph_format.keep_with_next = True
        basis = _paragraph(document, table.basis, size=9, space_after=3)
        basis.paragraph_format.keep_with_next = True
        rows = [[row.title, *(_text(row.cells[c].value) if c in row.cells else "—" for c, _ in table.columns)]
                for row in table.rows]
        if not rows:
            rows = [["（本年度没有数据）", *("" for _ in table.columns)]]
        _table(document, ["项目", *(title for _, title in table.columns)], rows, width)
    out = io.BytesIO()
    document.core_properties.title = f"{result.year}年度行政执法统计年报"
    document.save(out)
    return out.getvalue()
