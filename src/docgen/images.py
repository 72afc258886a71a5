"""Pictures from the blob store printed in a document: the ``photo`` filter and ``place_images``.

A template asks for a picture with ``{{ item.sha256|photo(150, 100) }}``: the filter prints a
placeholder element (``<dgi:image sha256=… width=… height=…/>``, in docgen's own namespace) inside
the run, and after rendering ``place_images`` replaces each placeholder with the picture whose
bytes have that sha256, scaled to fit the box (millimetres) with its aspect kept (a JPEG's EXIF
orientation honoured and a large picture reduced to print size: ``print_copy``).

Why two steps rather than docxtpl's ``InlineImage``: docgen's renderer is a sandboxed Jinja
environment with a fast path that never builds a ``DocxTemplate`` (``rendering.py``), and an
``InlineImage`` needs one to add the picture's part. The placeholder is cheap to print on both
paths (they stay byte-identical), and the picture is added the way ``sealimage.py`` adds the seal:
with python-docx, after rendering, in ``Stages`` — the one place that has the blob store.

The placeholder cannot be forged from data: every value a template prints is XML-escaped
(``rendering._finalize``), so a ``<`` typed into a field is text, never an element; only the
filter's own output (``Markup``) is markup. Which hashes may be printed is decided before
rendering, where the payload is checked (``cases/media_fill.py``: only the 音像记录 of the
document's case); here a hash that is not a stored JPEG or PNG fails the rendering.

Without a blob store (a preview) each placeholder becomes the text ``（照片 sha256 前12位，签发时打印）``.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any, Callable

from docx import Document
from docx.image.image import Image
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Mm
from jinja2 import Undefined
from markupsafe import Markup

from .errors import RenderFailed, UnprintableImage

NAMESPACE = "urn:docgen:image"
_TAG = f"{{{NAMESPACE}}}image"
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: The picture formats LibreOffice and python-docx both read; a photo of another type is not printable.
PRINTABLE = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_BOX_MM = 400  # no box larger than a page
#: The long side, in pixels, a printed picture needs at most: 150 mm at 300 dpi.
PRINT_PX = 1800
#: More pixels than this is no photo docgen prints: a JPEG is decoded at a reduced scale (a 100-megapixel
#: photo costs a few megabytes), a PNG whole (4 bytes a pixel), hence its lower bound.
MAX_PIXELS = {"JPEG": 100_000_000, "PNG": 40_000_000}
_ORIENTATION = 0x0112  # the EXIF tag


def printable(head: bytes) -> bool:
    """Whether bytes starting with ``head`` are a picture docgen can print (JPEG or PNG)."""
    return any(head.startswith(magic) for magic in PRINTABLE)


def photo(sha256: Any, width_mm: float, height_mm: float) -> Any:
    """The placeholder for the picture ``sha256`` in a box of ``width_mm`` × ``height_mm``.

    A missing value (the blank form) prints nothing; a value that is not a sha256 prints as
    text (escaped like any value), so a bad payload shows rather than breaks the document.
    """
    if isinstance(sha256, Undefined) or not sha256:
        return ""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        return sha256
    width, height = (float(v) for v in (width_mm, height_mm))
    if not (0 < width <= MAX_BOX_MM and 0 < height <= MAX_BOX_MM):
        raise RenderFailed(f"照片框尺寸无效：{width_mm} × {height_mm} 毫米")
    return Markup(f'</w:t><dgi:image xmlns:dgi="{NAMESPACE}" sha256="{sha256}" width="{width:g}" '
                  f'height="{height:g}"/><w:t xml:space="preserve">')


def wanted(docx: bytes) -> bool:
    """Whether the rendered document has a placeholder (a byte search, no parsing)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return NAMESPACE.encode() in archive.read("word/document.xml")


def fit(px_width: int, px_height: int, box_width_mm: float, box_height_mm: float) -> tuple[Emu, Emu]:
    """The picture's printed size: as large as fits the box, its aspect ratio kept."""
    box_w, box_h = int(Mm(box_width_mm)), int(Mm(box_height_mm))
    scale = min(box_w / px_width, box_h / px_height)
    return Emu(max(1, round(px_width * scale))), Emu(max(1, round(px_height * scale)))


def print_copy(data: bytes) -> bytes:
    """The picture as it is printed: a JPEG or PNG whose long side fits ``PRINT_PX`` and that needs no
    turning is returned byte for byte; a larger one is reduced to ``PRINT_PX`` (a JPEG is decoded at a
    reduced scale, never whole), and a phone photo stored as landscape pixels with an EXIF orientation is
    turned (LibreOffice draws the pixels as stored). Both are re-encoded: the printed copy only; the
    original stays as stored, its sha256 printed. Damaged bytes, or more than ``MAX_PIXELS``, are an
    ``UnprintableImage`` (422), never a server error or a decompression bomb in the server's memory."""
    from PIL import Image as Picture, ImageOps

    try:
        with Picture.open(io.BytesIO(data)) as picture:
            width, height = picture.size
            most = MAX_PIXELS.get(picture.format or "", 0)
            if not (0 < width and 0 < height and width * height <= most):
                raise UnprintableImage(f"照片的像素尺寸 {width} × {height} 无法打印（{picture.format} 至多 "
                                       f"{most // 1_000_000} 百万像素）")
            turn = picture.format == "JPEG" and picture.getexif().get(_ORIENTATION, 1) not in (None, 1)
            if max(width, height) <= PRINT_PX and not turn:
                picture.load()  # every byte decodes: a damaged file is refused here, not in LibreOffice
                return data
            if picture.format == "JPEG":
                picture.draft("RGB", (PRINT_PX, PRINT_PX))  # decode at 1/2, 1/4 or 1/8 scale
            shown = ImageOps.exif_transpose(picture) if turn else picture
            shown.thumbnail((PRINT_PX, PRINT_PX))
            out = io.BytesIO()
            if picture.format == "JPEG":
                shown.convert("RGB").save(out, "JPEG", quality=92)
            else:
                shown.save(out, "PNG")
            return out.getvalue()
    except UnprintableImage:
        raise
    except Picture.DecompressionBombError:
        raise UnprintableImage("照片的像素过多，无法打印（至多 100 百万像素）") from None
    except (OSError, ValueError, SyntaxError, ZeroDivisionError) as exc:
        raise UnprintableImage(f"照片已损坏或无法读取（{type(exc).__name__}）") from None


def place_images(docx: bytes, fetch: Callable[[str], bytes] | None) -> bytes:
    """``docx`` with every placeholder replaced by its picture (``fetch(sha256)`` gives the bytes),
    or by a line of text when ``fetch`` is None; unchanged when there is none."""
    if not wanted(docx):
        return docx
    document = Document(io.BytesIO(docx))
    part = document.part
    for marker in list(document.element.body.iter(_TAG)):
        digest = marker.get("sha256", "")
        run = marker.getparent()
        if fetch is None:
            text = parse_xml(f'<w:t xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                             f'xml:space="preserve">（照片 {digest[:12]}…，签发时打印）</w:t>')
            run.replace(marker, text)
            continue
        data = fetch(digest)
        if hashlib.sha256(data).hexdigest() != digest:  # the store's fault, not the request's
            raise RenderFailed(f"存储的照片与其 SHA-256 {digest} 不符")
        if not printable(data[:8]):
            raise UnprintableImage(f"照片 {digest} 不是 JPEG 或 PNG 图像")
        try:
            shown = print_copy(data)
        except UnprintableImage as exc:
            raise UnprintableImage(f"照片 {digest[:12]}…：{exc.detail}") from None
        image = Image.from_blob(shown)
        width, height = fit(image.px_width, image.px_height, float(marker.get("width")), float(marker.get("height")))
        inline = part.new_pic_inline(io.BytesIO(shown), width, height)
        inline.find(qn("wp:docPr")).set("descr", f"sha256:{digest}")
        drawing = parse_xml('<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
        drawing.append(inline)
        run.replace(marker, drawing)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
