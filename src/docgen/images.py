"""Pictures from the blob store printed in a document: the ``photo`` filter and ``place_images``.

A template asks for a picture with ``{{ item.sha256|photo(150, 100) }}``: the filter prints a
placeholder element (``<dgi:image sha256=… width=… height=…/>``, in docgen's own namespace) inside
the run, and after rendering ``place_images`` replaces each placeholder with the picture whose
bytes have that sha256, scaled to fit the box (millimetres) with its aspect kept (a JPEG's EXIF
orientation honoured: ``upright``).

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

from .errors import RenderFailed

NAMESPACE = "urn:docgen:image"
_TAG = f"{{{NAMESPACE}}}image"
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: The picture formats LibreOffice and python-docx both read; a photo of another type is not printable.
PRINTABLE = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_BOX_MM = 400  # no box larger than a page
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


def upright(data: bytes) -> bytes:
    """The picture as the camera meant it to be seen. A phone stores a portrait photo as landscape pixels
    with an EXIF orientation; LibreOffice draws the pixels as stored, so such a JPEG is transposed here
    (re-encoded at quality 95: the printed copy only; the original stays as stored, its sha256 printed).
    Any other picture is returned unchanged, byte for byte."""
    if not data.startswith(b"\xff\xd8\xff") or b"Exif" not in data[:65536]:
        return data
    from PIL import Image as Picture, ImageOps  # only for such photos

    with Picture.open(io.BytesIO(data)) as picture:
        if picture.getexif().get(_ORIENTATION, 1) in (None, 1):
            return data
        turned = ImageOps.exif_transpose(picture)
        out = io.BytesIO()
        turned.convert("RGB").save(out, "JPEG", quality=95)
        return out.getvalue()


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
        if hashlib.sha256(data).hexdigest() != digest or not printable(data[:8]):
            raise RenderFailed(f"照片 {digest} 不是已存储的 JPEG 或 PNG 图像")
        shown = upright(data)
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
