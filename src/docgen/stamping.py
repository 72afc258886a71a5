"""Stamps laid over every page of a PDF: the 预览 watermark of a preview, the 作废 stamp of a voided document.

A stamp is one A4 page typeset by the installation's converter (so its CJK font
is the documents' own and is embedded), then merged onto each page, scaled to
fit. Merging rewrites the file with pypdf: this is done to *content* PDFs
only, before anything is signed (a preview is never signed; a void stage's
content is sealed after it is stamped), never to a signed stage file.
"""
from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True)
class StampLine:
    """One centred line of a stamp page."""

    text: str
    size: float
    """Font size in points."""
    space_before: float = 0
    """Space above the line in millimetres (the first line's places the stamp on the page)."""


def stamp_docx(lines: tuple[StampLine, ...], colour: tuple[int, int, int]) -> bytes:
    """A DOCX of one A4 page: ``lines`` bold, centred, in ``colour``, in the documents' CJK font."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    for line in lines:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Mm(line.space_before)
        run = paragraph.add_run(line.text)
        run.font.size = Pt(line.size)
        run.font.bold = True
        run.font.color.rgb = RGBColor(*colour)
        run.font.name = "Noto Sans CJK SC"
        run._element.rPr.rFonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia",
                                    "Noto Sans CJK SC")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def stamp_pages(pdf: bytes, stamp_pdf: bytes, *, over: bool, title: str | None = None) -> bytes:
    """``pdf`` with the first page of ``stamp_pdf`` merged onto every page, centred and scaled to fit.

    ``over=False`` lays it beneath the text (a watermark: the text stays on top); ``over=True``
    after it, so that the page's own text still comes first when the text is extracted (the
    verifier reads the 文书编号 from the head of the first page). ``title`` replaces ``/Title``;
    by default the document information is kept as it was.
    """
    from pypdf import PdfReader, PdfWriter, Transformation

    stamp = PdfReader(io.BytesIO(stamp_pdf)).pages[0]
    sw, sh = float(stamp.mediabox.width), float(stamp.mediabox.height)
    source = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=source)
    writer.pdf_header = source.pdf_header  # pypdf would write %PDF-1.3; the PDF/A content keeps its own
    for page in writer.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        scale = min(w / sw, h / sh)
        move = Transformation().scale(scale).translate((w - sw * scale) / 2, (h - sh * scale) / 2)
        page.merge_transformed_page(stamp, move, over=over)
    if title is not None:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
