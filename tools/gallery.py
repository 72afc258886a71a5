#!/usr/bin/env python3
"""Render every instrument for people to look at: ``make gallery``.

Usage (from the project root)::

    .venv/bin/python tools/gallery.py [--out build/gallery] [--only ID ...] [--dpi 110]

For the current version of every template in the manifest, the example and the
blank form are rendered and converted by the same LibreOffice pool the service
uses, and written as ``<out>/<id>/{example,blank}.pdf`` with one PNG per page
(``pdftoppm``). ``<out>/gallery.pdf`` is the contact sheet: an index of every
instrument, then one sheet per instrument with all its pages side by side, each
captioned — layout problems (a table running off the page, a lonely last line,
a signature separated from its box) show at a glance, and the thumbnails are
sharp enough to zoom into and read.

Tests check what a program can check (tests/test_pages.py); this is for what
only a person sees.
"""
from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from docx import Document  # noqa: E402
from docx.enum.section import WD_ORIENT  # noqa: E402
from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm, Pt  # noqa: E402

from docgen.catalogue import Catalogue, TemplateVersion  # noqa: E402
from docgen.config import load_agency  # noqa: E402
from docgen.conversion import ConverterPool  # noqa: E402
from docgen.rendering import RenderContext, render_docx  # noqa: E402

KINDS = {"form": "表格", "letter": "文书", "record": "笔录", "other": "其他"}
SHEET_COLUMNS = 4
THUMB_MM = 62  # an A4 page at 62 mm wide: four across a landscape sheet, two rows high
INDEX_MM = (55, 90, 20, 15, 25, 30)  # the index columns: id, title, kind, version, pages, pages


@dataclass(frozen=True)
class Rendering:
    """One document of the gallery: which version, example or blank, and its files."""

    release: TemplateVersion
    variant: str  # example | blank
    pdf: Path
    pngs: tuple[Path, ...]

    @property
    def label(self) -> str:
        return "示例" if self.variant == "example" else "空白表单"


def context(release: TemplateVersion, variant: str, agency: Mapping[str, Any]) -> RenderContext:
    if variant == "blank":
        return RenderContext(data={}, agency=agency, blank=True)
    number = ""
    if release.numbered:
        numbering = agency["numbering"]
        prefix = numbering["prefixes"].get(release.template_id, agency.get("short_name", ""))
        number = numbering["format"].format(prefix=prefix, year=2026, seq=15)
    return RenderContext(data=release.example, agency=agency, doc_number=number, extra={"approvals": {}})


def render(release: TemplateVersion, variant: str, agency: Mapping[str, Any], pool: ConverterPool,
           out: Path, dpi: int) -> Rendering:
    """Render, convert and rasterise one document into ``out/<id>/``."""
    directory = out / release.template_id
    directory.mkdir(parents=True, exist_ok=True)
    pdf = directory / f"{variant}.pdf"
    pdf.write_bytes(pool.convert(render_docx(release.template_bytes, context(release, variant, agency))))
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(directory / variant)], check=True)
    pngs = sorted(directory.glob(f"{variant}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return Rendering(release, variant, pdf, tuple(pngs))


# The contact sheet --------------------------------------------------------------------------


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.size, run.font.bold = Pt(size), bold
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _text(container: Any, text: str, size: float = 10, bold: bool = False, font: str = "黑体",
          align: Any = WD_ALIGN_PARAGRAPH.LEFT) -> Any:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(2)
    _font(paragraph.add_run(text), font, size, bold)
    return paragraph


def contact_sheet(renderings: Sequence[Rendering]) -> bytes:
    """A landscape DOCX: an index, then per instrument a captioned grid of its pages."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(10))
    body = document.element.body
    for paragraph in body.findall(qn("w:p")):
        body.remove(paragraph)
    by_release: dict[str, list[Rendering]] = {}
    for rendering in renderings:
        by_release.setdefault(rendering.release.key, []).append(rendering)

    _text(document, "执法文书模板一览（示例与空白表单）", 18, True)
    index = document.add_table(rows=1, cols=len(INDEX_MM))
    index.style = document.styles["Table Grid"]
    index.autofit = False
    for column, width in zip(index.columns, INDEX_MM):
        column.width = Mm(width)
    for cell, title in zip(index.rows[0].cells, ("模板", "名称", "类型", "版本", "示例页数", "空白表单页数")):
        _font(cell.paragraphs[0].add_run(title), "黑体", 10, True)
    for key, group in by_release.items():
        release = group[0].release
        pages = {r.variant: str(len(r.pngs)) for r in group}
        values = (release.template_id, release.title, KINDS.get(release.kind, release.kind), release.version,
                  pages.get("example", "—"), pages.get("blank", "—"))
        for cell, value, width in zip(index.add_row().cells, values, INDEX_MM):
            cell.width = Mm(width)
            _font(cell.paragraphs[0].add_run(value), "仿宋_GB2312", 10)

    for key, group in by_release.items():
        release = group[0].release
        _page_break(document)
        summary = "；".join(f"{r.label} {len(r.pngs)} 页" for r in group)
        _text(document, f"{release.title}　{key}　{KINDS.get(release.kind, release.kind)}　{summary}", 12, True)
        thumbs = [(r, number, png) for r in group for number, png in enumerate(r.pngs, start=1)]
        grid = document.add_table(rows=0, cols=SHEET_COLUMNS)
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        for start in range(0, len(thumbs), SHEET_COLUMNS):
            cells = grid.add_row().cells
            for cell, (rendering, number, png) in zip(cells, thumbs[start:start + SHEET_COLUMNS]):
                picture = cell.paragraphs[0]
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.add_run().add_picture(str(png), width=Mm(THUMB_MM))
                _text(cell, f"{rendering.label} 第 {number} 页", 9, align=WD_ALIGN_PARAGRAPH.CENTER)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_break(document: Any) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "gallery")
    parser.add_argument("--only", nargs="*", default=None, help="template ids (default: all)")
    parser.add_argument("--dpi", type=int, default=110, help="resolution of the PNG pages")
    parser.add_argument("--workers", type=int, default=2, help="LibreOffice processes")
    parser.add_argument("--root", type=Path, default=ROOT, help="catalogue root (templates/, schemas/)")
    args = parser.parse_args(argv)

    catalogue = Catalogue(args.root)
    catalogue.verify()
    agency = load_agency()
    releases = [t.current for t in catalogue.templates.values() if args.only is None or t.template_id in args.only]
    jobs = [(release, variant) for release in releases for variant in ("example", "blank")]
    if args.out.exists():
        shutil.rmtree(args.out)  # stale pages of renamed or removed instruments would mislead
    args.out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="docgen-gallery-") as work, \
            ConverterPool(args.workers, Path(work), timeout=120.0) as pool, \
            ThreadPoolExecutor(args.workers) as threads:
        renderings = list(threads.map(lambda job: render(*job, agency, pool, args.out, args.dpi), jobs))
        (args.out / "gallery.pdf").write_bytes(pool.convert(contact_sheet(renderings)))
    pages = sum(len(r.pngs) for r in renderings)
    print(f"{len(releases)} 个模板，{len(renderings)} 份文书，{pages} 页：{args.out / 'gallery.pdf'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
