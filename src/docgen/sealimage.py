"""The agency's seal image on the rendered copy of an electronically signed document.

Every letter prints "（印章）" where the seal goes, over the agency name and the date
(``tools/authoring/blocks.seal_block``). On paper the agency stamps it. A document issued
here is signed electronically (PAdES, ``sealing.py``); an agency may configure an image of
its seal (``seal_image`` in the agency profile) to stand at that place on the rendered copy,
as the visible sign of that electronic signature.

It is only that: a picture laid behind the agency name and date, labelled in the document
("本印章图像为本文书电子签名的可视标识") and in the picture's description. It is not an
电子印章 under GB/T 38540 (no seal data from a seal-management system, no SM2 signature bound
to the image); what proves the document is the signature, which ``docgen verify`` checks. The
blank forms and unsigned renderings never get it: only ``Issuer.produce_stage``, which signs,
adds it.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt

SEAL_MARK = "（印章）"
LABEL = "本印章图像为本文书电子签名的可视标识"
DESCRIPTION = "本文书电子签名的可视标识（不是 GB/T 38540 电子印章）"
SIZE = Mm(42)  # an official round seal is about 42 mm across
_FORMATS = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def read_seal_image(path: Path) -> bytes:
    """The configured image's bytes; ``ValueError`` (Chinese, naming the file) unless PNG or JPEG."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"seal_image（印章图像）{path} 无法读取：{exc.strerror}") from None
    if not any(data.startswith(magic) for magic in _FORMATS):
        raise ValueError(f"seal_image（印章图像）{path} 应为 PNG 或 JPEG 图像")
    return data


def place_seal_image(docx: bytes, image: bytes) -> bytes:
    """``docx`` with ``image`` over the seal position of each "（印章）" line, and that line's
    text replaced by the label; unchanged if the document has no seal position (a form)."""
    document = Document(io.BytesIO(docx))
    marks = [p for p in document.paragraphs if p.text.strip() == SEAL_MARK]
    if not marks:
        return docx
    for number, paragraph in enumerate(marks, start=1):
        size = next((run.font.size for run in paragraph.runs if run.font.size), None) or Pt(16)
        for run in paragraph.runs:
            if SEAL_MARK in run.text:
                run.text = run.text.replace(SEAL_MARK, LABEL)
                run.font.size = Pt(9)
        anchor_run = paragraph.add_run()
        anchor_run.add_picture(io.BytesIO(image), width=SIZE, height=SIZE)
        _float_behind(anchor_run, paragraph, size, number)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _float_behind(run, paragraph, size: Emu, number: int) -> None:  # type: ignore[no-untyped-def]
    """Turn the run's inline picture into one anchored behind the text, centred on the paragraph's
    centre tab stop (where the agency name and date are centred) and on the line of the agency
    name, the one under the mark (GB/T 9704 §7.3.5.1: the seal covers name and date)."""
    inline = run._r.find(".//" + qn("wp:inline"))
    stops = paragraph.paragraph_format.tab_stops
    centre = stops[0].position if len(stops) else Emu(0)
    line = paragraph.paragraph_format.line_spacing or Pt(size.pt * 1.3)
    x = int(centre) - int(SIZE) // 2
    # The space before the mark (one line, counted in the paragraph by LibreOffice), the mark's
    # line, then half the name's: the seal's centre, pressing the name and reaching the date.
    y = 2 * int(line) + int(Pt(8)) - int(SIZE) // 2
    extent = inline.find(qn("wp:extent"))
    graphic = inline.find(qn("a:graphic"))
    anchor = parse_xml(
        f'<wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        f'distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{251658240 + number}" '
        f'behindDoc="1" locked="1" layoutInCell="1" allowOverlap="1">'
        f'<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="column"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="paragraph"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{extent.get("cx")}" cy="{extent.get("cy")}"/>'
        f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        f'<wp:docPr id="{9000 + number}" name="seal-{number}" descr="{DESCRIPTION}"/>'
        f'<wp:cNvGraphicFramePr/></wp:anchor>')
    anchor.append(graphic)
    inline.getparent().replace(inline, anchor)
