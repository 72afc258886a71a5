#!/usr/bin/env python3
"""Author the DOCX templates of the enforcement instruments and release them.

Usage (from the project root)::

    .venv/bin/python tools/build_templates.py
        Release every instrument version described below that is not yet in
        templates/manifest.json: write its template.docx and its manifest entry.
    .venv/bin/python tools/build_templates.py --preview DIR [--only ID ...]
        Write the template, the rendered example and the rendered blank form of
        each version to DIR, for looking at; nothing under templates/ changes.

Why a program rather than DOCX files edited in Word: every instrument shares
the same building blocks (page setup, agency header, 文书编号, party block,
remedy clause, signature and seal lines, "第 X 页 共 Y 页" footer). Written
once as functions they stay identical across instruments, and every Jinja tag
is written as one run, so docxtpl never meets a tag that Word split in two.

Released versions are immutable (docs/architecture.md): the manifest pins the
sha256 of every file a version depends on, and documents already issued cite
it. This tool therefore never rewrites a version that is in the manifest; a
change is a new version number in ``INSTRUMENTS``. The schema and the example
payload of a version are hand-written files (schemas/<id>/<v>.schema.json,
templates/<id>/<v>/example.json); before releasing, the tool checks that the
example validates and that the example and the blank form both render.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_ALIGN_VERTICAL, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

MANIFEST = ROOT / "templates" / "manifest.json"
DEFS_ID = "https://docgen.example/schemas/_defs/1"

# Government font names. The DOCX names the fonts a Chinese office expects;
# src/docgen/fonts.conf maps them to free fonts (Noto CJK) when converting.
FANGSONG = "仿宋_GB2312"
SONG = "宋体"
HEI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"

CENTER, LEFT, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT
FULL_SPACE = "\u3000"  # 全角空格: the blank a hand-filled form leaves for writing
NUMERALS = "一二三四五六七八九十"
# Fixed core-property dates, so that building twice gives the same bytes.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


# Layouts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Page and type settings of one kind of instrument.

    Letters follow GB/T 9704 (版心 156 × 225 mm, 3号仿宋, 22 lines of 28.9 pt);
    forms and records are working documents, set tighter and smaller so that
    a table or a page of questions fits, as the SAMR samples do.
    """

    margins_mm: tuple[float, float, float, float]  # top, bottom, left, right
    footer_mm: float  # bottom page edge to the footer (Word's footer distance)
    body_font: str
    body_pt: float
    line_pt: float  # exact line spacing of the body
    header_pt: float  # the agency name line
    title_pt: float
    page_number_pt: float

    @property
    def text_width_mm(self) -> float:
        return 210 - self.margins_mm[2] - self.margins_mm[3]


LETTER = Layout((37, 35, 28, 26), 25, FANGSONG, 16, 28.9, 22, 22, 14)
FORM = Layout((25, 20, 25, 20), 10, FANGSONG, 12, 18, 22, 22, 10.5)
RECORD = Layout((25, 30, 25, 20), 10, FANGSONG, 12, 24, 22, 22, 10.5)


# Jinja fragments ----------------------------------------------------------------
# Each returns the text of ONE run. Rendering context (docs/architecture.md):
# data, agency, doc_number, blank, approvals; filters cn_date, yuan, rmb_upper.

BLANK_DATE = "　　年　　月　　日"
BLANK_TIME = "　　时　　分"


def out(expr: str) -> str:
    return "{{ " + expr + " }}"


def cn_date(expr: str) -> str:
    """A date, or 年月日 with room to write one in by hand (blank form, not yet known)."""
    return out(f"{expr}|cn_date if {expr} else '{BLANK_DATE}'")


def cn_time(expr: str) -> str:
    """HH:MM as 9时30分 (no leading zero on the hour), or room to write it in."""
    return out(f"({expr}[:2]|int) ~ '时' ~ {expr}[3:5] ~ '分' if {expr} else '{BLANK_TIME}'")


def optional(expr: str, before: str = "", after: str = "") -> str:
    """A value with its punctuation, or nothing at all when the value is absent."""
    return out(f"'{before}' ~ {expr} ~ '{after}' if {expr} else ''")


def names(path: str, with_numbers: bool = False) -> str:
    """The officers of a list, joined with 、 (on a blank form, two lines to write on)."""
    item = "o.name ~ '（执法证号：' ~ o.certificate_number ~ '）'" if with_numbers else "o.name"
    return ("{% if blank %}________、________{% else %}"
            f"{{% for o in {path} %}}{{{{ {item} }}}}{{{{ '' if loop.last else '、' }}}}{{% endfor %}}"
            "{% endif %}")


# Addressing the party as 你 / 你单位 (你（单位） on the blank form), as SAMR samples do.
SET_YOU = ("{%p set you = '你（单位）' if blank else "
           "('你单位' if data.party.kind == 'organization' else '你') %}")
YOU = out("you")


# Low-level DOCX helpers ----------------------------------------------------------


def set_run_font(run, font: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    """Name the font for Latin AND East Asian text: Word picks CJK glyphs from w:eastAsia."""
    r_pr = run._r.get_or_add_rPr()
    r_fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(attr), font)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(attr), None)
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    if bold is not None:
        run.font.bold = bold


def add_field(paragraph: Paragraph, code: str, font: str, size_pt: float) -> None:
    """A complex field (PAGE, NUMPAGES) that Word and LibreOffice update on layout."""
    def run_with(element: OxmlElement) -> None:
        run = paragraph.add_run()
        set_run_font(run, font, size_pt)
        run._r.append(element)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {code} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    placeholder = paragraph.add_run("1")
    set_run_font(placeholder, font, size_pt)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def set_table_width(table: Table, width_mm: float) -> None:
    """An explicit table width (python-docx leaves it "auto", which LibreOffice may stretch)."""
    tbl_pr = table._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(round(width_mm / 25.4 * 1440)))


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite the DOCX zip with fixed timestamps: same template source, same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out_buffer = io.BytesIO()
    with zipfile.ZipFile(out_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out_buffer.getvalue()


# The builder ----------------------------------------------------------------------

Container = object  # a Document body or a table cell: anything with add_paragraph()


@dataclass
class Style:
    """How a paragraph looks; the defaults come from the layout's body text."""

    font: str | None = None
    size: float | None = None
    bold: bool = False
    align: object = LEFT
    indent_chars: float = 0  # first-line indent in characters of the paragraph's size
    before: float = 0
    after: float = 0
    line: float | None = None  # exact line spacing in pt; None: the layout's
    keep_next: bool = False


class Builder:
    """One DOCX being authored: page setup on creation, then paragraphs and tables."""

    def __init__(self, layout: Layout, title: str) -> None:
        self.layout = layout
        self.doc = Document()
        self._setup_page()
        self._setup_defaults()
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by = title, "docgen", "docgen"
        props.created = props.modified = EPOCH.replace(tzinfo=None)
        props.revision = 1
        # python-docx's default document holds one empty paragraph; start from nothing.
        body = self.doc.element.body
        for paragraph in body.findall(qn("w:p")):
            body.remove(paragraph)

    def _setup_page(self) -> None:
        """A4 with the layout's margins (letters: GB/T 9704 天头 37 mm, 订口 28 mm)."""
        section = self.doc.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = Mm(210), Mm(297)
        top, bottom, left, right = self.layout.margins_mm
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin, section.right_margin = Mm(left), Mm(right)
        section.header_distance, section.footer_distance = Mm(12), Mm(self.layout.footer_mm)
        section.gutter = Mm(0)

    def _setup_defaults(self) -> None:
        """Body font as the document default, so even empty paragraphs have its height."""
        r_pr = self.doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        r_fonts = r_pr.find(qn("w:rFonts"))
        r_fonts.attrib.clear()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            r_fonts.set(qn(attr), self.layout.body_font)
        # python-docx's default says eastAsia="ja-JP": LibreOffice would then pick the
        # Japanese glyph forms of the CJK fonts and Japanese line-breaking rules.
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            r_pr.append(lang)
        lang.attrib.clear()
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(self.layout.body_pt)
        normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.widow_control = True

    # Paragraphs ------------------------------------------------------------------

    def paragraph(self, *runs: str | tuple[str, dict], style: Style | None = None,
                  container: Container | None = None) -> Paragraph:
        """A paragraph of runs; each string is ONE run, so a Jinja tag is never split.

        A run is a string, or (string, overrides) with keys font, size, bold.
        """
        style = style or Style()
        paragraph = self._new_paragraph(container)
        fmt = paragraph.paragraph_format
        size = style.size or self.layout.body_pt
        paragraph.alignment = style.align
        fmt.space_before, fmt.space_after = Pt(style.before), Pt(style.after)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(style.line or max(self.layout.line_pt, size * 1.3))
        if style.indent_chars:
            fmt.first_line_indent = Pt(size * style.indent_chars)
        fmt.keep_with_next = style.keep_next
        for spec in runs:
            text, overrides = (spec, {}) if isinstance(spec, str) else spec
            run = paragraph.add_run(text)
            set_run_font(run, overrides.get("font", style.font or self.layout.body_font),
                         overrides.get("size", size), overrides.get("bold", style.bold))
        return paragraph

    def _new_paragraph(self, container: Container | None) -> Paragraph:
        """A new paragraph; in a fresh table cell, its one empty paragraph is used first."""
        if isinstance(container, _Cell):
            existing = container.paragraphs
            if len(existing) == 1 and not existing[0].runs and not getattr(container, "_used", False):
                container._used = True  # type: ignore[attr-defined]
                return existing[0]
        return (container or self.doc).add_paragraph()

    def tag(self, tag: str, container: Container | None = None) -> None:
        """A paragraph holding only a ``{%p ... %}`` tag; docxtpl replaces the whole paragraph."""
        assert tag.startswith("{%p ") and tag.endswith("%}"), tag
        self.paragraph(tag, style=Style(line=self.layout.body_pt), container=container)

    @contextlib.contextmanager
    def when(self, condition: str, container: Container | None = None) -> Iterator[None]:
        """Paragraphs that are only in the document when ``condition`` holds."""
        self.tag(f"{{%p if {condition} %}}", container)
        yield
        self.tag("{%p endif %}", container)

    @contextlib.contextmanager
    def each(self, loop: str, container: Container | None = None) -> Iterator[None]:
        """Paragraphs repeated for every item: ``loop`` is e.g. "item in data.evidence"."""
        self.tag(f"{{%p for {loop} %}}", container)
        yield
        self.tag("{%p endfor %}", container)

    # Tables ----------------------------------------------------------------------

    def table(self, widths_mm: Sequence[float]) -> Table:
        """A grid table with fixed column widths (autofit off: LibreOffice honours the grid)."""
        table = self.doc.add_table(rows=0, cols=len(widths_mm))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_mm):
            column.width = Mm(width)
        set_table_width(table, sum(widths_mm))
        table._widths = list(widths_mm)  # type: ignore[attr-defined]
        return table

    def row(self, table: Table, height_mm: float | None = None, cant_split: bool = True) -> list[_Cell]:
        """A new row whose cells carry the column widths (Word reads tcW, LibreOffice the grid)."""
        row = table.add_row()
        if height_mm:
            row.height = Mm(height_mm)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        if cant_split:
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, table._widths):  # type: ignore[attr-defined]
            cell.width = Mm(width)
        return list(row.cells)

    # Footer ------------------------------------------------------------------------

    def footer(self, signature_line: str | None = None) -> None:
        """Footer on every page: an optional signature line (records), then 第 X 页 共 Y 页."""
        footer = self.doc.sections[0].footer
        size = self.layout.page_number_pt
        first = footer.paragraphs[0]
        if signature_line:
            first.text = ""
            run = first.add_run(signature_line)
            set_run_font(run, FANGSONG, self.layout.body_pt)
            first.paragraph_format.space_after = Pt(4)
            pages = footer.add_paragraph()
        else:
            pages = first
        pages.alignment = CENTER
        for text, code in (("第 ", "PAGE"), (" 页　共 ", "NUMPAGES")):
            run = pages.add_run(text)
            set_run_font(run, SONG, size)
            add_field(pages, code, SONG, size)
        run = pages.add_run(" 页")
        set_run_font(run, SONG, size)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return deterministic_zip(buffer.getvalue())


# Shared building blocks ---------------------------------------------------------------


def agency_header(b: Builder) -> None:
    """The issuing agency's name as the first line (SAMR samples: no red 版头)."""
    b.paragraph(out("agency.name"), style=Style(font=XIAOBIAOSONG, size=b.layout.header_pt, bold=True,
                                                 align=CENTER, line=b.layout.header_pt * 1.5))


def title(b: Builder, text: str, after: float = 0) -> None:
    """Instrument title: 2号小标宋, centred (bold, because the free substitute has no 小标宋 cut)."""
    b.paragraph(text, style=Style(font=XIAOBIAOSONG, size=b.layout.title_pt, bold=True, align=CENTER,
                                  line=b.layout.title_pt * 1.6, after=after, keep_next=True))


def doc_number_line(b: Builder) -> None:
    """文书编号 (allocated by the service), 3号仿宋 centred under the title, one line of space."""
    b.paragraph(out("doc_number"), style=Style(font=FANGSONG, size=16, align=CENTER, after=b.layout.line_pt))


# (label, field): the 2021 SAMR party block. Each line is printed when the party
# has the field; the schema only allows each field on the kind it belongs to, so
# a person shows 住址 and ID number, an organisation 证照, credit code and
# representative. On the blank form every line is printed.
PARTY_LINES = (
    ("主体资格证照名称", "license_name"),
    ("统一社会信用代码", "uscc"),
    ("住所（住址）", "address"),
    ("法定代表人（负责人、经营者）", "legal_representative"),
    ("身份证（其他有效证件）号码", "id_number"),
    ("联系电话", "phone"),
    ("其他联系方式", "other_contact"),
)


def party_value(path: str, name: str) -> str:
    if name == "id_number":  # name the document when it is not the resident ID card
        return out(f"({path}.id_type ~ ' ') if {path}.id_type and {path}.id_type != '居民身份证' else ''") \
            + out(f"{path}.id_number")
    return out(f"{path}.{name}")


def party_block(b: Builder, container: Container | None = None, path: str = "data.party",
                style: Style | None = None) -> None:
    """当事人 and its identifying lines (see PARTY_LINES)."""
    style = style or Style()
    b.paragraph("当事人：", out(f"{path}.name"), style=style, container=container)
    for label, name in PARTY_LINES:
        with b.when(f"blank or {path}.{name}", container):
            b.paragraph(f"{label}：", party_value(path, name), style=style, container=container)


def text_block(b: Builder, expr: str, style: Style, container: Container | None = None,
               first_prefix: str = "", blank_lines: int = 0) -> None:
    """A long payload text, one DOCX paragraph per line of the text (so each is indented).

    ``first_prefix`` opens the first paragraph (e.g. "经查，"). On the blank form the
    text is absent; ``blank_lines`` empty lines leave room to write by hand.
    """
    prefix = out(f"'{first_prefix}' if loop.first else ''") if first_prefix else ""
    with b.each(f"line in ({expr} or '').splitlines() if line.strip()", container):
        b.paragraph(prefix, out("line"), style=style, container=container)
    if blank_lines:
        with b.when("blank", container):
            for _ in range(blank_lines):
                b.paragraph(first_prefix if _ == 0 else "", style=style, container=container)


def numbered_list(b: Builder, loop_var: str, items: str, line: str, style: Style,
                  blank_lines: int = 2) -> None:
    """A payload list as 1．… 2．… paragraphs; numbered blank lines on the blank form."""
    with b.each(f"{loop_var} in {items}"):
        b.paragraph(out("loop.index ~ '．'"), line, style=style)
    with b.when("blank"):
        for number in range(1, blank_lines + 1):
            b.paragraph(f"{number}．________", style=style)


def officer_lines(b: Builder, label: str, path: str, style: Style, blank_count: int = 2) -> None:
    """One line per officer: "检查人员：张三　执法证号：…"; empty lines on the blank form."""
    with b.each(f"o in {path}"):
        b.paragraph(f"{label}：", out("o.name"), "　　执法证号：", out("o.certificate_number"), style=style)
    with b.when("blank"):
        for _ in range(blank_count):
            b.paragraph(f"{label}：________　　执法证号：________", style=style)


def remedy_clause(b: Builder, decision: str, style: Style) -> None:
    """复议 within 六十日 (行政复议法第20条) to the 本级人民政府, 诉讼 within 六个月 (行政诉讼法第46条).

    Both the 复议机关 and the court come from the agency configuration, never from
    the payload: they follow from who issues the decision, not from the case.
    """
    b.paragraph(YOU, f"如不服{decision}，可以在收到本决定书之日起六十日内向", out("agency.review_body"),
                "申请行政复议；也可以在六个月内依法向", out("agency.court"), "提起行政诉讼。"
                "申请行政复议或者提起行政诉讼的，行政处罚不停止执行，法律另有规定的除外。", style=style)


def contact_lines(b: Builder, style: Style) -> None:
    """Who to contact at the agency: person and phone from the payload, address from configuration."""
    b.paragraph("联系人：", out("data.contact.name"), "　　联系电话：", out("data.contact.phone"), style=style)
    b.paragraph("联系地址：", out("agency.address"), style=style)


def seal_block(b: Builder, date_expr: str = "data.issued_on") -> None:
    """署名 and 成文日期 for the seal (GB/T 9704 §7.3.5.1).

    The date stands four characters from the right margin and the agency name is
    centred over it; both lines share one centre tab stop at the middle of a
    typical date. Two empty lines above leave room for the seal's upper half.
    """
    size = b.layout.body_pt
    centre = Pt(b.layout.text_width_mm / 25.4 * 72 - size * 4 - size * 3.75)
    for number, text in enumerate(("\t" + out("agency.name"), "\t" + cn_date(date_expr))):
        paragraph = b.paragraph(text, style=Style(before=b.layout.line_pt * 2 if number == 0 else 0,
                                                  keep_next=number == 0))
        paragraph.paragraph_format.tab_stops.add_tab_stop(centre, WD_TAB_ALIGNMENT.CENTER)


def copies_line(b: Builder) -> None:
    """"本文书一式N份，M份送达，一份归档": M from the payload (default 1), N = M + 1."""
    served = "(data.copies_served or 1)"
    b.paragraph("本文书一式", out(f"'____' if blank else '{NUMERALS}'[{served}]"), "份，",
                out(f"'____' if blank else '{NUMERALS}'[{served} - 1]"), "份送达，一份归档。",
                style=Style(size=14, before=b.layout.line_pt))


def heading(b: Builder, text: str, container: Container | None = None) -> None:
    """A section label of a record or letter (黑体)."""
    b.paragraph(text, style=Style(font=HEI, keep_next=True), container=container)


def checkboxes(expr: str, options: Sequence[str]) -> str:
    """An enum as the SAMR tick boxes: ■ the chosen option, □ the others (all □ when blank)."""
    listing = ", ".join(f"'{option}'" for option in options)
    return (f"{{% for option in [{listing}] %}}{{{{ '■' if {expr} == option else '□' }}}}"
            "{{ option }}{{ '' if loop.last else '  ' }}{% endfor %}")


# Form tables ------------------------------------------------------------------------

FORM_LABEL = Style(font=HEI, align=CENTER)
FORM_VALUE = Style()
LABEL_MM = 30


def form_table(b: Builder) -> Table:
    """The two-column table of a form: labels on the left, content on the right."""
    return b.table([LABEL_MM, b.layout.text_width_mm - LABEL_MM])


def form_row(b: Builder, table: Table, label: str, fill: str | Callable[[_Cell], None],
             height_mm: float = 10, cant_split: bool = True, spacer: bool = True) -> _Cell:
    """One labelled row; ``fill`` is a run of text or a function that fills the content cell."""
    label_cell, value_cell = b.row(table, height_mm, cant_split)
    label_cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    b.paragraph(label, style=FORM_LABEL, container=label_cell)
    if callable(fill):
        value_cell.vertical_alignment = WD_ALIGN_VERTICAL.TOP
        fill(value_cell)
        if spacer:  # a cell must keep a paragraph even when every filled one is conditional
            b.paragraph(style=Style(size=2, line=2), container=value_cell)
    else:
        value_cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        b.paragraph(fill, style=FORM_VALUE, container=value_cell)
    return value_cell


def signature_line(who: str = "签名：", name: str = "", date: str = "") -> tuple[str, ...]:
    """Runs of "签名：xxx　　日期：2026年3月5日" with room to sign and date by hand."""
    return (who, name or "　　　　　　", "　　日期：", date or BLANK_DATE)


def opinion_row(b: Builder, table: Table, label: str, opinion: Sequence[str],
                signature: Sequence[str], height_mm: float) -> None:
    """An opinion box: the opinion, then signature and date at the right, at the box's foot.

    One row aligned to the bottom, never split across pages: on the blank form
    the box is room to write in with the signature line under it, and a typed
    opinion sits directly above its signature. (Two joined rows would keep the
    text at the top, but LibreOffice may then break the box between them.)
    """
    def fill(cell: _Cell) -> None:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
        b.paragraph(*opinion, style=Style(indent_chars=2), container=cell)
        b.paragraph(*signature, style=Style(align=RIGHT, before=4), container=cell)

    form_row(b, table, label, fill, height_mm=height_mm, spacer=False)


def approval_row(b: Builder, table: Table, label: str, stage: str, height_mm: float) -> None:
    """An opinion box filled from ``approvals.<stage>`` (empty until that stage signs)."""
    a = f"approvals.{stage}"
    opinion = (out(f"{a}.decision|default('')"), out(f"'　' if {a}.decision and {a}.opinion else ''"),
               out(f"{a}.opinion|default('')"))
    signature = signature_line(name=out(f"{a}.signer if {a}.signer else '　　　　　　'"),
                               date=out(f"{a}.date|cn_date if {a}.date else '{BLANK_DATE}'"))
    opinion_row(b, table, label, opinion, signature, height_mm)


# Instruments ------------------------------------------------------------------------------


def major_decision_review(b: Builder) -> None:
    """重大行政执法决定法制审核表, exactly as the attachment to the 三项制度 notice.

    No agency line: the attachment has none. The party and the decision category
    are optional payload fields with no row of their own in the attachment, so
    they open the 基本情况 box when given, the party with its full block.
    """
    title(b, "重大行政执法决定法制审核表")
    b.paragraph("编号：", out("doc_number"), style=Style(align=RIGHT, after=4))
    table = form_table(b)
    form_row(b, table, "事　　由", out("data.subject"))
    form_row(b, table, "申请部门", out("data.department"))
    form_row(b, table, "申请时间", cn_date("data.applied_on"))

    def summary(cell: _Cell) -> None:
        with b.when("data.category", cell):
            b.paragraph("决定类别：", out("data.category"), container=cell)
        with b.when("data.party", cell):
            party_block(b, cell)
        text_block(b, "data.summary", Style(indent_chars=2), cell)

    form_row(b, table, "基本情况、\n证据材料、\n拟处建议及\n法律依据", summary, height_mm=50, cant_split=False)
    for label, stage in (("承办部门\n负责人意见", "dept_head"), ("承办部门分管\n领导意见", "dept_leader"),
                         ("法制审核\n意见", "legal_review"), ("法制部门\n负责人意见", "legal_head"),
                         ("分管法制的\n局领导意见", "legal_leader"), ("局长审批", "director")):
        approval_row(b, table, label, stage, height_mm=18)
    b.paragraph("注：该表适用行政处罚以外的重大行政执法决定法制审核。", style=Style(size=10.5, before=4))
    b.footer()


CASE_SOURCES = ("监督检查", "投诉", "举报", "其他部门移送", "上级交办", "其他")


def case_filing_approval(b: Builder) -> None:
    """立案/不予立案审批表 (程序规定第18–20条): the title follows the decision."""
    agency_header(b)
    title(b, out("data.decision ~ '审批表' if data.decision else '立案/不予立案审批表'"), after=6)
    table = form_table(b)
    def source(cell: _Cell) -> None:
        b.paragraph(checkboxes("data.source", CASE_SOURCES), container=cell)
        with b.when("data.source_detail", cell):
            b.paragraph("来源说明：", out("data.source_detail"), container=cell)

    form_row(b, table, "案件来源", source)
    form_row(b, table, "案　　由", out("data.cause"))
    form_row(b, table, "当 事 人", lambda cell: party_block(b, cell))
    form_row(b, table, "简要案情", lambda cell: text_block(b, "data.summary", Style(indent_chars=2), cell),
             height_mm=58, cant_split=False)
    opinion_row(b, table, "承办人意见", (out("data.handler_opinion|default('')"),),
                signature_line("承办人：", names("data.handlers"), cn_date("data.proposed_on")), 30)
    approval_row(b, table, "承办机构\n负责人意见", "dept_head", 32)
    approval_row(b, table, "机关负责人\n意见", "agency_head", 32)
    b.footer()


RECORD_BODY = Style(indent_chars=2)
CLOSING = out("'以上笔录已向你宣读/请你核对' if blank else ('以上笔录已向你宣读' if data.record_check == '宣读' "
              "else '以上笔录请你核对')")


def record_time_line(b: Builder, label: str) -> None:
    b.paragraph(f"{label}：", cn_date("data.date"), out("' '"), cn_time("data.start_time"), " 至 ",
                cn_time("data.end_time"))


def on_site_record(b: Builder) -> None:
    """现场笔录 (程序规定第28条; 行政强制法第18条): signed by party, witness and officers on every page."""
    agency_header(b)
    title(b, "现场笔录", after=6)
    record_time_line(b, "时间")
    b.paragraph("地点：", out("data.place"))
    officer_lines(b, "检查人员", "data.inspectors", Style())
    party_block(b)
    b.paragraph("通知当事人到场情况：", out("data.notification"))
    with b.when("blank or data.witness"):
        b.paragraph("见证人：", out("data.witness.name"), optional("data.witness.unit", "（", "）"),
                    out("'　联系电话：' ~ data.witness.phone if data.witness.phone else ''"))
    b.paragraph("我们是", out("agency.name"), "的执法人员", names("data.inspectors"),
                "，执法证号分别为", "{% if blank %}________、________{% else %}"
                "{% for o in data.inspectors %}{{ o.certificate_number }}{{ '' if loop.last else '、' }}"
                "{% endfor %}{% endif %}",
                "，这是我们的执法证件，请过目确认。今天我们依法进行检查，请予配合。依照法律规定，"
                "你有权进行陈述和申辩。如果你认为我们与本案（事）有直接利害关系或者其他关系可能影响公正执法的，"
                "你有申请回避的权利。你是否申请回避？", style=RECORD_BODY)
    b.paragraph("当事人回答：", out("data.opening_response"), style=RECORD_BODY)
    heading(b, "现场情况：")
    text_block(b, "data.scene", RECORD_BODY, blank_lines=8)
    with b.when("data.coercive_measures"):
        heading(b, "实施行政强制措施告知情况：")
        text_block(b, "data.coercive_measures", RECORD_BODY)
    heading(b, "当事人的陈述和申辩：")
    text_block(b, "data.statement", RECORD_BODY, blank_lines=4)
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("当事人：　　　　　　　见证人：　　　　　　　检查人员：　　　　　　　　　　　")


def inquiry_record(b: Builder) -> None:
    """询问笔录 (程序规定第29条): the person questioned signs every page; officers sign."""
    agency_header(b)
    title(b, "询问笔录", after=6)
    record_time_line(b, "询问时间")
    b.paragraph("询问地点：", out("data.place"))
    b.paragraph("询问人：", out("data.interviewer.name"), "　　执法证号：", out("data.interviewer.certificate_number"))
    b.paragraph("记录人：", out("data.recorder.name"), "　　执法证号：", out("data.recorder.certificate_number"))
    person = "data.interviewee"
    b.paragraph("被询问人：", out(f"{person}.name"), "　　性别：", out(f"{person}.gender"))
    b.paragraph("身份证件号码：", party_value(person, "id_number"))
    b.paragraph("工作单位：", out(f"{person}.employer"), "　　职务：", out(f"{person}.position"))
    b.paragraph("住址：", out(f"{person}.address"))
    b.paragraph("联系电话：", out(f"{person}.phone"))
    b.paragraph("与当事人关系：", out("data.relation"))
    b.paragraph(("问：", {"font": HEI}), "我们是", out("agency.name"), "的执法人员",
                out("'________、________' if blank else data.interviewer.name ~ '、' ~ data.recorder.name"),
                "，执法证号分别为",
                out("'________、________' if blank else data.interviewer.certificate_number ~ '、' ~ "
                    "data.recorder.certificate_number"),
                "，这是我们的执法证件，请过目。现依法就", out("data.case_cause"),
                "有关情况进行调查，请你如实回答问题，不得作伪证或者隐匿证据。你有陈述和申辩的权利。"
                "如果你认为我们与本案有直接利害关系或者其他关系可能影响公正执法的，你有申请回避的权利。"
                "你听清楚了吗？是否申请回避？", style=Style(before=4))
    b.paragraph(("答：", {"font": HEI}), out("data.rights_response|default('')"))
    with b.each("item in data.questions"):
        b.paragraph(("问：", {"font": HEI}), out("item.question"))
        b.paragraph(("答：", {"font": HEI}), out("item.answer"))
    with b.when("blank"):
        for _ in range(6):
            b.paragraph(("问：", {"font": HEI}))
            b.paragraph(("答：", {"font": HEI}))
    b.paragraph(CLOSING, "，如果属实请签名。", style=Style(indent_chars=2, before=6))
    b.footer("被询问人：　　　　　　　询问人：　　　　　　　记录人：　　　　　　　")


# Left-aligned: justified lines stretch badly before an unbreakable account number.
LETTER_BODY = Style(indent_chars=2)


def letter_opening(b: Builder, name: str) -> None:
    """Agency, title and 文书编号 of a numbered letter."""
    agency_header(b)
    title(b, name)
    doc_number_line(b)
    b.tag(SET_YOU)


def violation_paragraphs(b: Builder, proposed: bool) -> None:
    """Facts, evidence, characterisation, discretion and legal basis, then the penalties."""
    text_block(b, "data.facts", LETTER_BODY, first_prefix="经查，", blank_lines=3)
    b.paragraph("上述事实，主要有以下证据证明：", style=LETTER_BODY)
    numbered_list(b, "item", "data.evidence", out("item"), LETTER_BODY)
    if not proposed:
        representation(b)
    b.paragraph("本局认为，" if not proposed else "", YOU, "的上述行为，违反了", out("data.violated_provisions"),
                "的规定，构成", out("data.violation"), "。", style=LETTER_BODY)
    text_block(b, "data.discretion", LETTER_BODY)
    verb = "拟对" if proposed else "决定对"
    b.paragraph("依据", out("data.penalty_basis"), f"的规定，本局{verb}", YOU, "作出如下行政处罚：", style=LETTER_BODY)
    penalty = ("{{ item.type }}{% if item.amount %}{{ item.amount|yuan }}（{{ item.amount|rmb_upper }}）"
               "{% endif %}{% if item.description %}：{{ item.description }}{% endif %}")
    numbered_list(b, "item", "data.penalties", penalty, LETTER_BODY)


def representation(b: Builder) -> None:
    """The 告知 step and whether the 陈述申辩 was adopted, and why (行政处罚法第59条)."""
    rep = "data.representation"
    hearing = "data.notice.hearing_offered"
    b.paragraph("本局于", cn_date("data.notice.served_on"), "向", YOU, "送达了《行政处罚告知书》（",
                out("data.notice.number"), "），告知", YOU, "拟作出行政处罚的内容及事实、理由、依据，以及",
                YOU, "依法享有的陈述、申辩", out(f"'［、要求听证］' if blank else ('、要求听证' if {hearing} else '')"), "的权利。",
                out(f"you ~ '在法定期限内未提出陈述、申辩' ~ ('，也未要求听证' if {hearing} else '') ~ '。' "
                    f"if {rep}.outcome == '未提出' else ''"),
                style=LETTER_BODY)
    with b.when(f"blank or ({rep}.outcome and {rep}.outcome != '未提出')"):
        b.paragraph(YOU, "提出的陈述、申辩意见为：", out(f"{rep}.summary"), style=LETTER_BODY)
        b.paragraph("经复核，本局认为：", out(f"{rep}.reasons"), style=LETTER_BODY)
        b.paragraph("对", YOU, "的陈述、申辩意见，本局", out(f"'予以采纳/部分采纳/不予采纳' if blank else {rep}.outcome"),
                    "。", style=LETTER_BODY)
    text_block(b, "data.hearing_note", LETTER_BODY)


def penalty_notice(b: Builder) -> None:
    """行政处罚告知书 (行政处罚法第44条; 程序规定第57条)."""
    letter_opening(b, "行政处罚告知书")
    party_block(b)
    violation_paragraphs(b, proposed=True)
    with b.when("data.refund_amount"):
        b.paragraph("同时，本局拟责令", YOU, "退还多收价款", out("data.refund_amount|yuan"), "（",
                    out("data.refund_amount|rmb_upper"), "）", optional("data.refund_note", "，"), "。",
                    style=LETTER_BODY)
    hearing = "data.hearing_available"
    b.paragraph("依据《中华人民共和国行政处罚法》第四十四条、第四十五条",
                out(f"'［、第六十三条、第六十四条］' if blank else ('、第六十三条、第六十四条' if {hearing} else '')"),
                "和《市场监督管理行政处罚程序规定》第五十七条的规定，", YOU,
                "可以自收到本告知书之日起五个工作日内向本局进行陈述、申辩",
                out(f"'［，并可以要求听证］' if blank else ('，并可以要求听证' if {hearing} else '')"),
                "。逾期未提出陈述、申辩", out(f"'［或者要求听证］' if blank else ('或者要求听证' if {hearing} else '')"),
                "的，视为放弃此权利。", style=LETTER_BODY)
    contact_lines(b, LETTER_BODY)
    seal_block(b)
    copies_line(b)
    b.footer()


MONEY_TOTAL = "{%p set total = data.penalties|selectattr('amount')|map(attribute='amount')|map('float')|sum %}"


def penalty_decision(b: Builder) -> None:
    """行政处罚决定书 (行政处罚法第59条; 程序规定第62条), with the 公示 notice (公示规定第8条)."""
    letter_opening(b, "行政处罚决定书")
    party_block(b)
    violation_paragraphs(b, proposed=False)
    b.tag(MONEY_TOTAL)
    with b.when("total"):
        b.paragraph("以上罚没款合计", out("total|yuan"), "（", out("total|rmb_upper"), "）。", style=LETTER_BODY)
    with b.when("blank or data.correction"):
        b.paragraph("同时，责令", YOU, out("data.correction"), "。", style=LETTER_BODY)
    with b.when("blank or total"):
        pay = "data.payment"
        b.paragraph(YOU, "应当自收到本决定书之日起十五日内，将罚没款缴至", out(f"{pay}.bank"), "（户名：",
                    out(f"{pay}.account_name"), "；账号：", out(f"{pay}.account_number"), "）。",
                    optional(f"{pay}.note", "", "。"),
                    "到期不缴纳罚款的，本局可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款本数。",
                    style=LETTER_BODY)
    remedy_clause(b, "本行政处罚决定", LETTER_BODY)
    with b.when("blank or data.penalties|rejectattr('type', 'equalto', '警告')|list"):
        b.paragraph("根据《市场监督管理行政处罚信息公示规定》第八条的规定，本行政处罚决定信息将通过"
                    "国家企业信用信息公示系统向社会公示。", style=LETTER_BODY)
    seal_block(b)
    copies_line(b)
    b.footer()


SERVICE_METHODS = ("直接送达", "留置送达", "邮寄送达", "委托送达", "电子送达", "公告送达")


def service_receipt(b: Builder) -> None:
    """送达回证 (程序规定第82条): the recipient's signature and date prove service."""
    agency_header(b)
    title(b, "送达回证", after=6)
    table = form_table(b)

    def documents(cell: _Cell) -> None:
        with b.each("d in data.documents", cell):
            b.paragraph("《", out("d.name"), "》", optional("d.number", "（", "）"), container=cell)
        with b.when("blank", cell):
            b.paragraph("", container=cell)

    form_row(b, table, "送达文书\n名称及文号", documents, height_mm=30)
    form_row(b, table, "受送达人", out("data.addressee"), height_mm=12)
    form_row(b, table, "送达时间", cn_date("data.served_on") + out("' '") + cn_time("data.served_time"),
             height_mm=12)
    form_row(b, table, "送达地点", out("data.place"), height_mm=12)
    form_row(b, table, "送达方式", checkboxes("data.method", SERVICE_METHODS), height_mm=12)
    opinion_row(b, table, "收件人签名\n或盖章", ("",), (BLANK_DATE,), 45)
    form_row(b, table, "送 达 人", names("data.servers", with_numbers=True), height_mm=14)
    form_row(b, table, "见 证 人", out("data.witness.name") + optional("data.witness.unit", "（", "）"),
             height_mm=14)
    form_row(b, table, "备　　注", lambda cell: text_block(b, "data.remarks", Style(), cell), height_mm=40)
    b.footer()


@dataclass(frozen=True)
class Instrument:
    """One instrument version as released: what the manifest says and how to author it."""

    id: str
    title: str
    kind: str  # form, letter, record, other
    numbered: bool
    layout: Layout
    build: Callable[[Builder], None]
    version: str = "1"
    workflow: str = "issuance-1"  # templates/_workflows/<name>.json: its signature stages

    def paths(self) -> dict[str, str]:
        return {"template": f"templates/{self.id}/{self.version}/template.docx",
                "schema": f"schemas/{self.id}/{self.version}.schema.json",
                "example": f"templates/{self.id}/{self.version}/example.json",
                "workflow": f"templates/_workflows/{self.workflow}.json"}


INSTRUMENTS = (
    Instrument("major-decision-review", "重大行政执法决定法制审核表", "form", True, FORM, major_decision_review,
               workflow="major-decision-review-1"),
    Instrument("case-filing-approval", "立案/不予立案审批表", "form", False, FORM, case_filing_approval),
    Instrument("on-site-record", "现场笔录", "record", False, RECORD, on_site_record),
    Instrument("inquiry-record", "询问笔录", "record", False, RECORD, inquiry_record),
    Instrument("penalty-notice", "行政处罚告知书", "letter", True, LETTER, penalty_notice),
    Instrument("penalty-decision", "行政处罚决定书", "letter", True, LETTER, penalty_decision),
    Instrument("service-receipt", "送达回证", "other", False, FORM, service_receipt),
)


# Release ---------------------------------------------------------------------------------

CHECK_AGENCY = {"name": "株洲市市场监督管理局", "review_body": "株洲市人民政府", "court": "株洲市天元区人民法院",
                "address": "株洲市天元区长江南路1号", "phone": "0731-28888888"}
LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|None|Undefined")


def author(instrument: Instrument) -> bytes:
    builder = Builder(instrument.layout, instrument.title)
    instrument.build(builder)
    return builder.to_bytes()


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def referenced_schemas(schema: dict) -> list[str]:
    """The shared-definition files a schema's $refs point into (their hashes are pinned too)."""
    found = set(re.findall(r'"\$ref":\s*"https://docgen\.example/schemas/([^"#/]+)/([^"#]+)',
                           json.dumps(schema)))
    return sorted(f"schemas/{name}/{version}.schema.json" for name, version in found)


def document_text(docx: bytes) -> str:
    """All text of a DOCX (body, headers, footers) for the leftover-tag check."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist()
                      if name.startswith("word/") and name.endswith(".xml"))
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def check(instrument: Instrument, template: bytes) -> dict[str, bytes]:
    """Validate the example and render it and the blank form; refuse on any problem."""
    from docgen.catalogue import schema_registry
    from docgen.rendering import RenderContext, render_docx
    from docgen.validation import compile_validator

    paths = instrument.paths()
    schema = load_json(ROOT / paths["schema"])
    example = load_json(ROOT / paths["example"])
    issues = compile_validator(schema, schema_registry(ROOT)).issues(example)
    if issues:
        raise SystemExit(f"{instrument.id}: example.json 不符合 schema：" +
                         "; ".join(f"{i.pointer} {i.message}" for i in issues))
    number = "株市监〔2026〕1号" if instrument.numbered else ""
    renders = {
        "example": render_docx(template, RenderContext(data=example, agency=CHECK_AGENCY, doc_number=number)),
        "blank": render_docx(template, RenderContext(data={}, agency=CHECK_AGENCY, blank=True)),
    }
    for name, docx in renders.items():
        leftover = LEFTOVER.search(document_text(docx))
        if leftover:
            raise SystemExit(f"{instrument.id}: rendered {name} still contains {leftover.group(0)!r}")
    if "_" in document_text(renders["example"]).replace("&#95;", ""):
        raise SystemExit(f"{instrument.id}: rendered example contains a stray underscore")
    return renders


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release(instrument: Instrument, manifest: dict, today: str) -> None:
    """Write template.docx and the manifest entry of a version not yet released."""
    paths = instrument.paths()
    template = author(instrument)
    check(instrument, template)
    target = ROOT / paths["template"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(template)
    files = [*paths.values(), *referenced_schemas(load_json(ROOT / paths["schema"]))]
    entry = next((e for e in manifest["templates"] if e["id"] == instrument.id), None)
    if entry is None:
        entry = {"id": instrument.id, "title": instrument.title, "kind": instrument.kind,
                 "numbered": instrument.numbered, "versions": []}
        manifest["templates"].append(entry)
    entry["versions"].append({"version": instrument.version, "status": "active", "released": today,
                              "files": paths, "sha256": {name: sha256(ROOT / name) for name in files}})


def released(manifest: dict, instrument: Instrument) -> bool:
    return any(v["version"] == instrument.version for e in manifest["templates"] if e["id"] == instrument.id
               for v in e["versions"])


def preview(instruments: Sequence[Instrument], directory: Path) -> None:
    """Template, example and blank renderings to look at, without releasing anything."""
    directory.mkdir(parents=True, exist_ok=True)
    for instrument in instruments:
        template = author(instrument)
        renders = check(instrument, template)
        (directory / f"{instrument.id}.template.docx").write_bytes(template)
        for name, docx in renders.items():
            (directory / f"{instrument.id}.{name}.docx").write_bytes(docx)
        print(f"{instrument.id}: preview written to {directory}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preview", type=Path, help="write previews to this directory; release nothing")
    parser.add_argument("--only", nargs="*", default=None, help="instrument ids to consider")
    args = parser.parse_args(argv)
    chosen = [i for i in INSTRUMENTS if args.only is None or i.id in args.only]
    if args.preview:
        preview(chosen, args.preview)
        return 0
    manifest = load_json(MANIFEST) if MANIFEST.exists() else {"templates": []}
    today = dt.date.today().isoformat()
    for instrument in chosen:
        if released(manifest, instrument):
            print(f"{instrument.id} 版本 {instrument.version} 已发布，发布后不可修改，未覆盖"
                  f"（如需修改请新增版本）。")
            continue
        release(instrument, manifest, today)
        print(f"{instrument.id} 版本 {instrument.version} 已发布。")
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    if not MANIFEST.exists() or MANIFEST.read_text(encoding="utf-8") != text:
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
