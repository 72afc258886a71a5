"""The parts of a DOCX that docxtpl renders, read paragraph by paragraph.

Word stores a paragraph as runs (``w:r``) of text (``w:t``); it splits runs
wherever formatting, spell-checking or editing history changes, so a Jinja tag
typed in Word can end up as ``{{ data.na`` in one run and ``me }}`` in the next.
docxtpl's clean-up pass glues some of these back together (dropping the second
run's formatting) and mangles others (a tag across two paragraphs loses the
paragraph boundary). The builder in ``tools/authoring`` writes every tag as one
run, so *any* tag not inside one text element was edited by hand, and is
reported here with the paragraph it is in.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Iterator

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Body, headers, footers, foot- and endnotes: the parts docxtpl renders.
RENDERED_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def rendered_parts(docx: bytes) -> dict[str, str]:
    """XML text of every rendered part, in a stable order (document first)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        names = sorted((n for n in archive.namelist() if RENDERED_PART.fullmatch(n)),
                       key=lambda n: (n != "word/document.xml", n))
        return {name: archive.read(name).decode("utf-8") for name in names}


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's text with, for every character, the text element and run it is in."""

    number: int  # 1-based, in document order within its part (table cells included)
    text: str
    element_of: tuple[int, ...]  # index of the w:t element holding each character
    run_of: tuple[int, ...]  # index of the run holding each character

    def tags(self) -> list[str]:
        return TAG.findall(self.text)


@dataclass(frozen=True)
class SplitTag:
    """A Jinja delimiter pair that is not inside one text element of one paragraph."""

    paragraph: int
    snippet: str
    reason: str


def paragraphs(xml: str) -> list[Paragraph]:
    """Every ``w:p`` of a part; text in nested paragraphs (text boxes) belongs to those."""
    root = etree.fromstring(xml.encode("utf-8"))
    found = []
    for number, p in enumerate(root.iter(f"{W}p"), start=1):
        text, element_of, run_of = [], [], []
        runs: dict[int, int] = {}
        elements = [t for t in p.iter(f"{W}t") if _owner(t) is p]
        for index, t in enumerate(elements):
            run = t.getparent()
            run_index = runs.setdefault(id(run), len(runs))
            chunk = t.text or ""
            text.append(chunk)
            element_of += [index] * len(chunk)
            run_of += [run_index] * len(chunk)
        found.append(Paragraph(number, "".join(text), tuple(element_of), tuple(run_of)))
    return found


def _owner(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != f"{W}p":
        parent = parent.getparent()
    return parent


def split_tags(xml: str) -> Iterator[SplitTag]:
    """Tags that are not whole inside one ``w:t``: split across runs, across text
    elements, or across paragraphs (opened here and closed in a later paragraph)."""
    for paragraph in paragraphs(xml):
        yield from _split_in(paragraph)


def _split_in(paragraph: Paragraph) -> Iterator[SplitTag]:
    text = paragraph.text
    position = 0
    while (match := _DELIMITER.search(text, position)) is not None:
        token, start = match.group(0), match.start()
        if token not in OPENERS:
            yield SplitTag(paragraph.number, _around(text, start),
                           f"“{token}” 在本段落中没有对应的开始标记（开始标记在前面的段落中，或被拆开了）")
            position = match.end()
            continue
        end = text.find(OPENERS[token], match.end())
        if end < 0:
            yield SplitTag(paragraph.number, _around(text, start),
                           f"“{token}” 在本段落中没有结束；docxtpl 会把它与后面段落的文字拼在一起，破坏文档结构")
            return
        end += len(OPENERS[token])
        elements = set(paragraph.element_of[start:end])
        if len(elements) > 1:
            runs = sorted(set(paragraph.run_of[start:end]))
            where = (f"第 {runs[0] + 1}–{runs[-1] + 1} 个 run" if len(runs) > 1
                     else f"第 {runs[0] + 1} 个 run 的 {len(elements)} 个文字元素")
            yield SplitTag(paragraph.number, text[start:end],
                           f"标签被拆在{where}中，应写在同一个 run 里（docxtpl 可能无法解析，"
                           "拼回时丢失后面 run 的格式）")
        position = end


def _around(text: str, index: int, width: int = 30) -> str:
    return text[max(0, index - width):index + width]
