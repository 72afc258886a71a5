"""Where the text of a PDF page lies, and whether it stays inside the printable area.

The rule (the same for every instrument; the margins are read from the DOCX's own
section properties, so it follows whatever layout a template was authored with):

1. Page edge: every word box lies on the page and at least ``EDGE_MM`` (5 mm) from
   each edge — what an office printer can print and a hole punch or stapler spares.
2. Text column: every word lies between the left and right margins, with
   ``TOLERANCE_PT`` (1.5 pt ≈ 0.5 mm) for rounding — body, tables and footer alike.
   One exception: a line may end with ONE CJK punctuation mark hanging past the
   right margin (标点溢出边界, the default of Word and LibreOffice for Chinese text):
   the word may end at most one character width (its own average full-width
   character) past the margin, and only if its last character is such a mark.
3. Body vs. margins: a line whose top is above the bottom margin is body text and
   must lie between the top and bottom margins (with the tolerance). A line that
   starts inside the bottom margin is footer text: it must be text of the DOCX's
   footer (page numbering with any numbers, or a footer paragraph such as the
   records' signature line); anything else there is body text that overflowed.
   Likewise a line ending above the top margin must be header text, and a line
   that straddles a margin line (by more than the tolerance) is reported too.

Positions come from ``pdftotext -bbox-layout`` (points, origin top left); a word
box is the union of its characters' boxes, so a word inside means every
character inside.
"""
from __future__ import annotations

import io
import re
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Sequence
from xml.etree import ElementTree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XHTML = "{http://www.w3.org/1999/xhtml}"
MM = 72 / 25.4
EDGE_MM = 5.0
TOLERANCE_PT = 1.5
HANGING = set("，。、；：？！”’）》」』〉】〕…—．,.;:?!)")
PAGE_NUMBERING = re.compile(r"第(\d+)页共(\d+)页")


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Word:
    text: str
    box: Box


@dataclass(frozen=True)
class Line:
    text: str
    box: Box
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: tuple[Line, ...]

    def text(self, lines: Sequence[Line] | None = None) -> str:
        """The page's text in reading order (top to bottom, left to right), without whitespace."""
        chosen = self.lines if lines is None else lines
        ordered = sorted(chosen, key=lambda line: (round(line.box.y0), line.box.x0))
        return squeeze("".join(line.text for line in ordered))


@dataclass(frozen=True)
class Geometry:
    """Page size and margins of a DOCX section, in points (Word's twips / 20)."""

    width: float
    height: float
    top: float
    bottom: float
    left: float
    right: float

    @classmethod
    def of_docx(cls, docx: bytes) -> "Geometry":
        """The strictest margins of all sections (the body's ``sectPr`` and any others)."""
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
        sections = list(root.iter(f"{W}sectPr"))
        def twips(element: ElementTree.Element | None, name: str) -> float:
            return int((element.get(f"{W}{name}") if element is not None else None) or 0) / 20
        sizes = [s.find(f"{W}pgSz") for s in sections]
        margins = [s.find(f"{W}pgMar") for s in sections]
        return cls(width=max(twips(z, "w") for z in sizes), height=max(twips(z, "h") for z in sizes),
                   top=max(twips(m, "top") for m in margins), bottom=max(twips(m, "bottom") for m in margins),
                   left=max(twips(m, "left") for m in margins), right=max(twips(m, "right") for m in margins))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read_pages(pdf: bytes) -> list[Page]:
    """Every page's lines and words, from ``pdftotext -bbox-layout``."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        xhtml = subprocess.run(["pdftotext", "-bbox-layout", handle.name, "-"],
                               check=True, capture_output=True).stdout
    root = ElementTree.fromstring(xhtml)
    pages = []
    for number, page in enumerate(root.iter(f"{XHTML}page"), start=1):
        lines = []
        for line in page.iter(f"{XHTML}line"):
            words = tuple(Word(word.text or "", _box(word)) for word in line.iter(f"{XHTML}word"))
            lines.append(Line("".join(w.text for w in words), _box(line), words))
        pages.append(Page(number, float(page.get("width", 0)), float(page.get("height", 0)), tuple(lines)))
    return pages


def _box(element: ElementTree.Element) -> Box:
    return Box(*(float(element.get(key, 0)) for key in ("xMin", "yMin", "xMax", "yMax")))


def margin_texts(docx: bytes) -> tuple[list[str], list[str]]:
    """(header, footer) paragraph texts of a rendered DOCX, squeezed, digits as ``#``
    (fields such as PAGE hold a placeholder digit in the DOCX)."""
    found: dict[str, list[str]] = {"header": [], "footer": []}
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():
            kind = re.fullmatch(r"word/(header|footer)\d*\.xml", name)
            if not kind:
                continue
            root = ElementTree.fromstring(archive.read(name))
            for paragraph in root.iter(f"{W}p"):
                text = _digits("".join(t.text or "" for t in paragraph.iter(f"{W}t")))
                if text:
                    found[kind.group(1)].append(text)
    return found["header"], found["footer"]


def _digits(text: str) -> str:
    return re.sub(r"\d+", "#", squeeze(text))


def _char_units(text: str) -> float:
    """Width of a text in full-width characters (an ASCII character counts half)."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in text) or 1.0


@dataclass(frozen=True)
class Violation:
    page: int
    text: str
    rule: str

    def __str__(self) -> str:
        return f"第{self.page}页 «{self.text[:40]}»: {self.rule}"


def violations(pages: list[Page], geometry: Geometry, footers: Sequence[str] = (),
               headers: Sequence[str] = ()) -> list[Violation]:
    """Every word or line breaking the rule of the module docstring; ``footers`` and
    ``headers`` are the margin paragraphs' texts (``margin_texts``)."""
    found: list[Violation] = []
    for page in pages:
        edge = EDGE_MM * MM
        right = page.width - geometry.right + TOLERANCE_PT
        left = geometry.left - TOLERANCE_PT
        body_top, body_bottom = geometry.top, page.height - geometry.bottom
        for line in page.lines:
            for word in line.words:
                box = word.box
                if box.x0 < edge or box.y0 < edge or box.x1 > page.width - edge or box.y1 > page.height - edge:
                    found.append(Violation(page.number, word.text, "离纸边不足 5 毫米（或在页面之外）"))
                if box.x0 < left:
                    found.append(Violation(page.number, word.text, f"超出左边距 {left - box.x0:.1f} pt"))
                hang = (box.x1 - box.x0) / _char_units(word.text) if word.text[-1:] in HANGING else 0.0
                if box.x1 > right + hang:
                    found.append(Violation(page.number, word.text, f"超出右边距 {box.x1 - right:.1f} pt"))
            text = _digits(line.text)
            if line.box.y0 >= body_bottom:
                if not _in_margin_text(text, footers):
                    found.append(Violation(page.number, line.text, "正文进入了下边距（页脚区域）"))
            elif line.box.y1 <= body_top:
                if not _in_margin_text(text, headers):
                    found.append(Violation(page.number, line.text, "正文进入了上边距（页眉区域）"))
            elif line.box.y1 > body_bottom + TOLERANCE_PT or line.box.y0 < body_top - TOLERANCE_PT:
                where = "下边距" if line.box.y1 > body_bottom + TOLERANCE_PT else "上边距"
                kind = "页脚" if _in_margin_text(text, footers) and where == "下边距" else "正文"
                found.append(Violation(page.number, line.text, f"{kind}越过了{where}线"))
    return found


def _in_margin_text(text: str, paragraphs: Sequence[str]) -> bool:
    return bool(text) and any(text in paragraph for paragraph in paragraphs)


def footer_lines(page: Page, geometry: Geometry) -> list[Line]:
    """The lines of a page that lie in its bottom margin (the footer)."""
    return [line for line in page.lines if line.box.y0 >= page.height - geometry.bottom]


def signature_lines(docx: bytes) -> list[str]:
    """The footer paragraphs other than the page numbering (the records' signature line), squeezed."""
    _, footers = margin_texts(docx)
    return [text for text in footers if not PAGE_NUMBERING.search(text.replace("#", "0"))]


# Text --------------------------------------------------------------------------------------


def page_texts(raw: str) -> list[str]:
    """Each page's text (``pdftotext -raw``, pages split at form feeds), without whitespace
    and without page-numbering lines."""
    pages = raw.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages = pages[:-1]
    return [squeeze("".join(line for line in page.splitlines() if not _NUMBERING_LINE.search(line)))
            for page in pages]


_NUMBERING_LINE = re.compile(r"第\s*\d+\s*页\s*共\s*\d+\s*页|^\s*[—-]\s*\d+\s*[—-]\s*$")


def shown(pages: Sequence[str], value: str) -> bool:
    """Whether ``value`` is printed: whole on one page, or continued from page to page.

    Within a page, the text of one paragraph or table cell is contiguous in content
    order; across a page break it is not — a repeated table header, the continuation
    of the neighbouring cells or a split row label come between its two halves. So a
    value may be several pieces on consecutive pages, each contiguous on its page
    (each piece the longest prefix of what is left that the page contains).
    """
    wanted = squeeze(value)
    if not wanted or any(wanted in page for page in pages):
        return bool(wanted)
    for start in range(len(pages)):
        rest, index = wanted, start
        while rest and index < len(pages):
            taken = _longest_prefix(rest, pages[index])
            if not taken:
                break
            rest, index = rest[taken:], index + 1
        if not rest:
            return True
    return False


def _longest_prefix(text: str, page: str) -> int:
    """Length of the longest prefix of ``text`` found in ``page`` (prefixes of a found
    prefix are found too, so a binary search finds it)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text[:middle] in page:
            low = middle
        else:
            high = middle - 1
    return low
