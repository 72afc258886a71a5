"""Shared building blocks of every instrument's DOCX template, written once.

Page setup, agency header, title, 文书编号, party block, remedy clause,
signature and seal lines, "第 X 页 共 Y 页" footer: every instrument is
composed of these, so a legal or layout change is one edit here (and a new
version of each instrument that uses it). Every Jinja tag is written as one
run, so docxtpl never meets a tag split in two.
"""

import contextlib
import datetime as dt
import io
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

ROOT = Path(__file__).resolve().parents[2]
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
# data, agency, doc_number, blank, approvals; filters cn_date, yuan, rmb_upper, photo (images.py).

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


def listing(path: str, item: str, blank: str = "________") -> str:
    """The items of a payload list joined with 、, each shown by the expression ``item`` of ``x``."""
    return (f"{{% if blank %}}{blank}{{% else %}}{{% for x in {path} %}}{{{{ {item} }}}}"
            "{{ '' if loop.last else '、' }}{% endfor %}{% endif %}")


def names(path: str, with_numbers: bool = False) -> str:
    """The officers of a list, joined with 、 (on a blank form, two lines to write on)."""
    item = "x.name ~ '（执法证号：' ~ x.certificate_number ~ '）'" if with_numbers else "x.name"
    return listing(path, item, "________、________")


def variant(path: str, options: Sequence[str]) -> str:
    """Jinja expression of a one-of variant (查封/扣押): the chosen option, or all joined by / when blank."""
    return f"('{'/'.join(options)}' if blank else {path})"


def choose(expr: str, mapping: dict[str, str], blank_text: str) -> str:
    """The text an enum value stands for (e.g. the article a ground rests on); ``blank_text`` when blank."""
    table = "{" + ", ".join(f"'{key}': '{value}'" for key, value in mapping.items()) + "}"
    return out(f"'{blank_text}' if blank else {table}[{expr}]")


def bracketed(*runs: str) -> tuple[str, ...]:
    """Runs in ［］ on the blank form: the 范本's mark for text used only where it applies."""
    return (out("'［' if blank else ''"), *runs, out("'］' if blank else ''"))


def cite(name: str, number: str, aside: bool = False) -> str:
    """An earlier instrument by name and 文书编号 (``number``, a Jinja expression).

    《name》（number） as the object of a sentence; ``aside``: （《name》文书编号：number）
    after the thing it documents.
    """
    if aside:
        return f"（《{name}》文书编号：" + out(number) + "）"
    return f"《{name}》（" + out(number) + "）"


HAND = "　" * 6  # room for a handwritten signature (never underscores: a filled form has none)


def set_you(path: str) -> str:
    """Address the person at ``path`` as 你 / 你单位 (你（单位） on the blank form), as SAMR samples do.

    Usually the party; a letter to someone else (a custodian, a witness to question)
    reads the kind from that person instead.
    """
    return ("{%p set you = '你（单位）' if blank else "
            f"('你单位' if {path}.kind == 'organization' else '你') %}}")


SET_YOU = set_you("data.party")
YOU = out("you")
# U+2060 WORD JOINER, between a tick box and its option: no line ends after the box. It has
# no width and no glyph (pdftotext drops it). LibreOffice ignores it in text whose language
# is Chinese (its CJK line breaking may break anywhere but before/after the punctuation of
# the locale), so Builder.paragraph tags a run holding one with JOINED_LANG: the Unicode
# line breaking then applies, which honours the joiner, and still breaks between hanzi and
# keeps Chinese punctuation off the start of a line. The glyphs stay the same (the CJK font
# is the run's, Noto Serif CJK SC, whose default forms are the simplified Chinese ones).
WORD_JOINER = "\u2060"
JOINED_LANG = "en-US"


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


def set_run_language(run, east_asia: str) -> None:
    """The language of the run's East Asian text (w:lang, after the font, size and bold)."""
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), east_asia)
    run._r.get_or_add_rPr().append(lang)


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
        # Japanese glyph forms of the CJK fonts and Japanese line-breaking rules. Latin
        # runs (digits, codes) are en-US: as zh-CN they break anywhere, "2026" included.
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            r_pr.append(lang)
        lang.attrib.clear()
        lang.set(qn("w:val"), "en-US")
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
            if WORD_JOINER in text:
                set_run_language(run, JOINED_LANG)
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
                style: Style | None = None, label: str = "当事人") -> None:
    """当事人 (or another ``label``: 受托保管人, 被申请人) and its identifying lines (see PARTY_LINES)."""
    style = style or Style()
    b.paragraph(f"{label}：", out(f"{path}.name"), style=style, container=container)
    for line_label, name in PARTY_LINES:
        with b.when(f"blank or {path}.{name}", container):
            b.paragraph(f"{line_label}：", party_value(path, name), style=style, container=container)


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


def text_cell(b: Builder, expr: str, style: Style | None = None) -> Callable[[_Cell], None]:
    """form_row's ``fill`` for a long payload text: one indented paragraph per line."""
    return lambda cell: text_block(b, expr, style or Style(indent_chars=2), cell)


def text_row(b: Builder, table: Table, label: str, expr: str, height_mm: float, cant_split: bool = False) -> None:
    """A labelled form row holding a long payload text; by default it may run over a page break."""
    form_row(b, table, label, text_cell(b, expr), height_mm=height_mm, cant_split=cant_split)


def numbered_list(b: Builder, loop_var: str, items: str, line: str, style: Style,
                  blank_lines: int = 2, container: Container | None = None) -> None:
    """A payload list as 1．… 2．… paragraphs; numbered blank lines on the blank form."""
    with b.each(f"{loop_var} in {items}", container):
        b.paragraph(out("loop.index ~ '．'"), line, style=style, container=container)
    with b.when("blank", container):
        for number in range(1, blank_lines + 1):
            b.paragraph(f"{number}．________", style=style, container=container)


def officer_lines(b: Builder, label: str, path: str, style: Style, blank_count: int = 2) -> None:
    """One line per officer: "检查人员：张三　执法证号：…"; empty lines on the blank form."""
    with b.each(f"o in {path}"):
        b.paragraph(f"{label}：", out("o.name"), "　　执法证号：", out("o.certificate_number"), style=style)
    with b.when("blank"):
        for _ in range(blank_count):
            b.paragraph(f"{label}：________　　执法证号：________", style=style)


def review_bodies() -> tuple[str, ...]:
    """The 复议机关 from configuration: ``review_body``, and for a 派出机构 of a 设区的市's department
    set up by district, ``review_body_alternative`` (its district's 人民政府), between which the
    party may choose (行政复议法第24条第4款; only where the 派出机构 acts in its own name)."""
    return (out("agency.review_body"), optional("agency.review_body_alternative", "或者"))


def remedy_clause(b: Builder, decision: str, style: Style, document: str = "本决定书",
                  not_suspended: str | None = "行政处罚") -> None:
    """复议 within 六十日 (行政复议法第20条) to the 复议机关 (第24条), 诉讼 within 六个月 (行政诉讼法第46条).

    Both the 复议机关 and the court come from the agency configuration, never from
    the payload: they follow from who issues the decision, not from the case.
    ``document`` is what the period runs from receipt of (本决定书, 本通知书).
    ``not_suspended`` names what 复议/诉讼 does not suspend: 行政处罚 (行政处罚法第73条),
    another act such as 行政强制措施 (行政复议法第42条, 行政诉讼法第56条), or None
    where nothing is imposed (不予行政处罚, a release).
    """
    suspension = (f"申请行政复议或者提起行政诉讼的，{not_suspended}不停止执行，法律另有规定的除外。"
                  if not_suspended else "")
    b.paragraph(YOU, f"如不服{decision}，可以在收到{document}之日起六十日内向", *review_bodies(),
                "申请行政复议；也可以在六个月内依法向", out("agency.court"), "提起行政诉讼。" + suspension,
                style=style)


def review_first_clause(b: Builder, decision: str, style: Style, document: str = "本决定书") -> None:
    """复议前置 (行政复议法第23条第1款第1项, in force 2024-01-01): against a 当场作出的行政处罚决定
    the party must first apply for 复议, within 六十日 (第20条) to the 复议机关 (第24条), and the
    party is told so (第23条第2款); litigation only against the 复议决定, within 十五日 of receiving
    it (行政诉讼法第45条). The penalty is not suspended (行政处罚法第73条第1款)."""
    b.paragraph(YOU, f"如不服{decision}，应当自收到{document}之日起六十日内先向", *review_bodies(),
                "申请行政复议；对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内依法向人民法院提起行政诉讼。"
                "申请行政复议或者提起行政诉讼的，行政处罚不停止执行，法律另有规定的除外。", style=style)


def contact_lines(b: Builder, style: Style) -> None:
    """Who to contact at the agency: person and phone from the payload, address from configuration."""
    b.paragraph("联系人：", out("data.contact.name"), "　　联系电话：", out("data.contact.phone"), style=style)
    b.paragraph("联系地址：", out("agency.address"), style=style)


def seal_block(b: Builder, date_expr: str = "data.issued_on") -> None:
    """Seal position, 署名 and 成文日期 (GB/T 9704 §7.3.5.1; the seal itself: 行政处罚法第59条第2款,
    行政强制法第24条第2款: the decision bears the agency's seal).

    The date stands four characters from the right margin and the agency name is
    centred over it; the three lines share one centre tab stop at the middle of a
    typical date. "（印章）" marks where the seal goes, over the agency name and the
    date, on the line above them; with the line of space before it, it leaves room
    for the seal's upper half.
    """
    size = b.layout.body_pt
    centre = Pt(b.layout.text_width_mm / 25.4 * 72 - size * 4 - size * 3.75)
    lines = ("\t" + SEAL_MARK, "\t" + out("agency.name"), "\t" + cn_date(date_expr))
    for number, text in enumerate(lines):
        paragraph = b.paragraph(text, style=Style(before=b.layout.line_pt if number == 0 else 0,
                                                  keep_next=number < len(lines) - 1))
        paragraph.paragraph_format.tab_stops.add_tab_stop(centre, WD_TAB_ALIGNMENT.CENTER)


SEAL_MARK = "（印章）"  # where the agency's seal goes, as the SAMR 范本 print it


def copies_line(b: Builder, served: str = "送达") -> None:
    """"本文书一式N份，M份送达，一份归档": M from the payload (default 1), N = M + 1. ``served`` says
    where the M copies go ("报送人民法院" for an application to a court)."""
    count = "(data.copies_served or 1)"
    b.paragraph("本文书一式", out(f"'____' if blank else '{NUMERALS}'[{count}]"), "份，",
                out(f"'____' if blank else '{NUMERALS}'[{count} - 1]"), f"份{served}，一份归档。",
                style=Style(size=14, before=b.layout.line_pt))


def witness_line(b: Builder, condition: str = "blank or data.witness") -> None:
    """见证人 with unit and phone when given (行政强制法第18条: a witness when the party is absent)."""
    with b.when(condition):
        b.paragraph("见证人：", out("data.witness.name"), optional("data.witness.unit", "（", "）"),
                    optional("data.witness.phone", "　联系电话："))


def heading(b: Builder, text: str, container: Container | None = None) -> None:
    """A section label of a record or letter (黑体)."""
    b.paragraph(text, style=Style(font=HEI, keep_next=True), container=container)


def checkboxes(expr: str, options: Sequence[str]) -> str:
    """An enum as the SAMR tick boxes: ■ the chosen option, □ the others (all □ when blank)."""
    listing = ", ".join(f"'{option}'" for option in options)
    return (f"{{% for option in [{listing}] %}}{{{{ '■' if {expr} == option else '□' }}}}"
            f"{WORD_JOINER}{{{{ option }}}}{{{{ '' if loop.last else '  ' }}}}{{% endfor %}}")


def multi_checkboxes(expr: str, options: Sequence[str]) -> str:
    """A list of enum values as tick boxes: ■ every chosen option, □ the others (checkboxes() ticks one)."""
    listing = ", ".join(f"'{option}'" for option in options)
    return (f"{{% for option in [{listing}] %}}{{{{ '■' if option in ({expr} or []) else '□' }}}}"
            f"{WORD_JOINER}{{{{ option }}}}{{{{ '' if loop.last else '  ' }}}}{{% endfor %}}")


# Form tables ------------------------------------------------------------------------

# Body text of letters and records. Left-aligned: justified lines stretch badly before an
# unbreakable account number.
LETTER_BODY = Style(indent_chars=2)
RECORD_BODY = Style(indent_chars=2)

FORM_LABEL = Style(font=HEI, align=CENTER)
FORM_VALUE = Style()
LABEL_MM = 30


def form_table(b: Builder) -> Table:
    """The two-column table of a form: labels on the left, content on the right."""
    return b.table([LABEL_MM, b.layout.text_width_mm - LABEL_MM])


def form_opening(b: Builder, title_run: str) -> Table:
    """Agency, title and the form's table: how every internal form (审批表, 报告, 回证) begins."""
    agency_header(b)
    title(b, title_run, after=6)
    return form_table(b)


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
    return (who, name or HAND, "　　日期：", date or BLANK_DATE)


def opinion_row(b: Builder, table: Table, label: str, opinion: Sequence[str],
                signature: Sequence[str], height_mm: float, date_line: Sequence[str] = ()) -> None:
    """An opinion box: the opinion, then signature and date at the right, at the box's foot.

    One row aligned to the bottom, never split across pages: on the blank form
    the box is room to write in with the signature line under it, and a typed
    opinion sits directly above its signature. (Two joined rows would keep the
    text at the top, but LibreOffice may then break the box between them.)
    A long signature (several names with 执法证号) puts its date on a ``date_line`` of its own.
    """
    def fill(cell: _Cell) -> None:
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
        b.paragraph(*opinion, style=Style(indent_chars=2), container=cell)
        signature_lines(b, cell, signature, date_line)

    form_row(b, table, label, fill, height_mm=height_mm, spacer=False)


def signature_lines(b: Builder, cell: _Cell, signature: Sequence[str], date_line: Sequence[str] = ()) -> None:
    """Signature at the right of a box; a long one (names with 执法证号) gets its date on a line below."""
    b.paragraph(*signature, style=Style(align=RIGHT, before=4), container=cell)
    if date_line:
        b.paragraph(*date_line, style=Style(align=RIGHT), container=cell)


def approval_row(b: Builder, table: Table, label: str, stage: str, height_mm: float) -> None:
    """An opinion box filled from ``approvals.<stage>`` (empty until that stage signs)."""
    a = f"approvals.{stage}"
    opinion = (out(f"{a}.decision|default('')"), out(f"'　' if {a}.decision and {a}.opinion else ''"),
               out(f"{a}.opinion|default('')"))
    signature = signature_line(name=out(f"{a}.signer if {a}.signer else '{HAND}'"),
                               date=out(f"{a}.date|cn_date if {a}.date else '{BLANK_DATE}'"))
    opinion_row(b, table, label, opinion, signature, height_mm)


def proposal_row(b: Builder, table: Table, label: str, opinion: str, signer: str = "承办人：",
                 names_expr: str = names("data.handlers", with_numbers=True), date: str = "data.proposed_on",
                 height_mm: float = 26) -> None:
    """The 承办人's (登记人's) opinion box with names and date, that an approval form opens with."""
    opinion_row(b, table, label, (out(f"{opinion}|default('')"),), (signer, names_expr), height_mm,
                date_line=("日期：", cn_date(date)))


def approval_tail(b: Builder, table: Table, height_mm: float = 26) -> None:
    """承办机构负责人 and 机关负责人 boxes (approvals dept_head, agency_head: workflow approval-1)."""
    approval_row(b, table, "承办机构\n负责人意见", "dept_head", height_mm)
    approval_row(b, table, "机关负责人\n意见", "agency_head", height_mm)


# Item tables ---------------------------------------------------------------------------


def tag_row(b: Builder, table: Table, tag: str) -> None:
    """A row holding only a ``{%tr … %}`` tag; docxtpl replaces the whole row with the tag."""
    b.paragraph(tag, style=Style(size=10, line=10), container=b.row(table)[0])


@contextlib.contextmanager
def rows_when(b: Builder, table: Table, condition: str) -> Iterator[None]:
    """Table rows present only when ``condition`` holds: Builder.when() wraps paragraphs, not rows."""
    tag_row(b, table, f"{{%tr if {condition} %}}")
    yield
    tag_row(b, table, "{%tr endif %}")


def repeat_header(cells: Sequence[_Cell]) -> None:
    """Repeat the row of ``cells`` at the top of every page the table runs onto (w:tblHeader)."""
    cells[0]._tc.getparent().get_or_add_trPr().append(OxmlElement("w:tblHeader"))


@dataclass(frozen=True)
class Column:
    """One column of an item table: header, width (mm, scaled to fill the type area),
    the Jinja expression of a cell (of ``item`` and ``loop``), alignment."""

    header: str
    width: float
    value: str
    align: object = CENTER


NUMBER_COLUMN = Column("序号", 15, "loop.index")


def item_table(b: Builder, columns: Sequence[Column], items: str, blank_rows: int, size: float = 12,
               row_mm: float = 9) -> Table:
    """A payload list as a ruled table, one row per item (清单, samples, 卷内文件目录 …).

    The header row repeats on every page and no row splits, so a long list breaks
    cleanly between rows; the blank form gets ``blank_rows`` empty rows to fill in.
    """
    scale = b.layout.text_width_mm / sum(column.width for column in columns)  # fits any layout
    table = b.table([column.width * scale for column in columns])
    header = b.row(table, row_mm)
    repeat_header(header)
    for cell, column in zip(header, columns):
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        b.paragraph(column.header, style=Style(font=HEI, size=size, line=size * 1.35, align=CENTER), container=cell)
    tag_row(b, table, f"{{%tr for item in {items} %}}")
    for cell, column in zip(b.row(table, row_mm), columns):
        cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        b.paragraph(out(column.value), style=Style(size=size, line=size * 1.35, align=column.align), container=cell)
    tag_row(b, table, "{%tr endfor %}")
    with rows_when(b, table, "blank"):
        for _ in range(blank_rows):
            b.row(table, row_mm)
    return table


# Letters ---------------------------------------------------------------------------------


def letter_head(b: Builder, title_run: str) -> None:
    """Agency, title and 文书编号 of a numbered letter."""
    agency_header(b)
    title(b, title_run)
    doc_number_line(b)


def hanging(paragraph: Paragraph, left_chars: float, first_chars: float, size: float) -> None:
    """Left indent and first-line indent in characters: wrapped lines align under the text."""
    paragraph.paragraph_format.left_indent = Pt(size * left_chars)
    paragraph.paragraph_format.first_line_indent = Pt(size * (first_chars - left_chars))


def attachments_block(b: Builder, names_expr: str) -> list[Paragraph]:
    """附件：1．… 2．… from a Jinja list (GB/T 9704 §7.3.4: one line under the body, two
    characters in; numbered when there are several; a wrapped name aligns under the name).

    Returns the lines a page may end after when there are several: "附件：1．…" and the
    middle entries (one loop paragraph, repeated); the last entry is a paragraph of its own,
    so that letter() can keep it, and not the whole list, with the seal.
    """
    size, names_expr = b.layout.body_pt, f"({names_expr})"
    with b.when(f"blank or {names_expr}|length == 1"):
        hanging(b.paragraph("附件：", out(f"{names_expr}[0]"), style=Style(before=8)), 5, 2, size)
    with b.when(f"not blank and {names_expr}|length > 1"):
        first = b.paragraph("附件：1．", out(f"{names_expr}[0]"), style=Style(before=8))
        hanging(first, 7, 2, size)
        with b.each(f"entry in {names_expr}[1:-1]"):
            middle = b.paragraph(out("(loop.index + 1) ~ '．'"), out("entry"))
            hanging(middle, 7, 5, size)
        hanging(b.paragraph(out(f"{names_expr}|length ~ '．'"), out(f"{names_expr}[-1]")), 7, 5, size)
    return [first, middle]


def copy_to_line(b: Builder) -> None:
    """抄送：… (the other authorities concerned, e.g. the other party to a 管辖 dispute)."""
    with b.when("blank or data.copy_to"):
        b.paragraph("抄送：", out("'________' if blank else data.copy_to|join('，')"), "。", style=Style(size=14))


def content_paragraphs(b: Builder) -> list[Paragraph]:
    """The body's paragraphs that print: not the ``{%p … %}`` tags docxtpl removes."""
    return [p for p in b.doc.paragraphs if not p.text.startswith("{%p")]


def keep_together(paragraphs: Sequence[Paragraph], free: Sequence[Paragraph] = ()) -> None:
    """Each paragraph moves to the next page with the one after it: the seal never stands
    on a page of its own, without text above it (GB/T 9704 §7.3.5.1). A page may end
    after a ``free`` paragraph (the middle of a long 附件 list)."""
    loose = {paragraph._p for paragraph in free}
    for paragraph in paragraphs[:-1]:
        paragraph.paragraph_format.keep_with_next = paragraph._p not in loose


def letter(b: Builder, title_run: str, body: Callable[[Builder], None], *, party: str | None = "data.party",
           label: str = "当事人", you: str | None = None, salutation: str | None = None,
           attachments: str | None = None, before_seal: Callable[[Builder], None] | None = None,
           contact: bool = True, copy_to: bool = False, copies: bool = True, served: str = "送达") -> None:
    """The skeleton of every numbered letter (通知书/决定书/函/公告), around its ``body``.

    Agency, title (``title_run`` may follow a variant field), 文书编号; whom it is to:
    the block of ``party`` under ``label`` (None: none) and/or a ``salutation`` line
    "名称：" (主送); 你/你单位 address ``you`` (default: the party; None without a party:
    no 你 at all). Then the body, contact, 附件 (a Jinja list), ``before_seal`` (e.g. a
    signature), seal and date, 抄送, copies (``served``: where they go). The last body paragraph stays with the seal; with
    several 附件 it stays with the first, and the last 附件 with the seal, and a page may
    break between the 附件 (a whole list kept with the seal would empty the page before).
    """
    letter_head(b, title_run)
    addressed = you or party
    if addressed:
        b.tag(set_you(addressed))
    if party:
        party_block(b, path=party, label=label)
    if salutation:
        b.paragraph(out(salutation), "：")
    body(b)
    if b.doc.paragraphs[-1].text.startswith("{%p end"):
        raise ValueError(f"{title_run}: the body must end with a paragraph that always prints; "
                         "it keeps the seal from standing on a page without text")
    closing = len(content_paragraphs(b)) - 1
    if contact:
        contact_lines(b, LETTER_BODY)
    free = attachments_block(b, attachments) if attachments else []
    if before_seal:
        before_seal(b)
    seal_block(b)
    if copy_to:
        copy_to_line(b)
    if copies:
        copies_line(b, served)
    keep_together(content_paragraphs(b)[closing:], free)
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
    basis: str = ""  # the legal basis, when it is not articles the build function's docstring can cite

    def paths(self) -> dict[str, str]:
        return {"template": f"templates/{self.id}/{self.version}/template.docx",
                "schema": f"schemas/{self.id}/{self.version}.schema.json",
                "example": f"templates/{self.id}/{self.version}/example.json",
                "workflow": f"templates/_workflows/{self.workflow}.json"}


