"""Previews: the document as it would be issued, before anything is issued.

Issuing is irreversible (a 文书编号 is consumed, a signed PDF stored), so the
e-form shows the rendered pages first. A preview validates exactly as issuing
does, renders and converts, and then stores nothing: no row, no blob, no
number reserved, no idempotency key claimed. The 文书编号 is printed as
``…〔年〕预览号`` and every page carries a grey 预览 watermark, so a preview
printed or forwarded cannot pass for the issued document; it is not signed.

``POST /v1/previews`` answers the PDF; the e-form gets the same PDF with its
pages as PNG images (``pdftoppm``), because a PDF viewer cannot be framed
under the pages' Content-Security-Policy.
"""
from __future__ import annotations

import base64
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import ConversionFailed
from .images import place_images
from .issuance import Issuer
from .rendering import RenderContext, render_docx
from .stamping import StampLine, stamp_docx, stamp_pages

PDF = "application/pdf"
PREVIEW_SEQ = "预览"
WATERMARK = "预览"
WATERMARK_NOTE = "未签发 · 未编号 · 不具法律效力"
#: Page images for the e-form: enough to read the text on a screen, small enough to send inline.
IMAGE_DPI = 80
MAX_PAGES = 20


@dataclass(frozen=True)
class Preview:
    pdf: bytes
    doc_number: str  # as printed on the preview, e.g. 株市监法审〔2026〕预览号; "" if not numbered
    prefix: str | None  # the 文书编号 prefix the document will be numbered under


class Previewer:
    """Validate → render → convert → watermark, with the issuer's own parts; never stores."""

    def __init__(self, issuer: Issuer) -> None:
        self.issuer = issuer
        self._overlay: bytes | None = None
        self._lock = threading.Lock()

    def number(self, template_id: str, numbered: bool) -> tuple[str, str | None]:
        if not numbered:
            return "", None
        numbering = self.issuer.numbering
        prefix = numbering.prefix(template_id)
        year = datetime.now(self.issuer.zone).year
        return numbering.format.format(prefix=prefix, year=year, seq=PREVIEW_SEQ), prefix

    def preview(self, template_id: str, version: str | None, data: Any) -> Preview:
        release = self.issuer.release(template_id, version)  # a retired version is refused as issuing refuses it
        data = self.issuer.validate(release, data)
        doc_number, prefix = self.number(release.template_id, release.numbered)
        context = RenderContext(data=data, agency=self.issuer.agency, doc_number=doc_number,
                                extra={"approvals": {}})
        docx = place_images(render_docx(release.template_bytes, context), None)  # pictures only when issued
        content = self.issuer.stages.converter.convert(docx)
        return Preview(self.watermarked(content), doc_number, prefix)

    def overlay(self) -> bytes:
        """One A4 page with the watermark, typeset once by LibreOffice (so the CJK font is the documents')."""
        with self._lock:
            if self._overlay is None:
                self._overlay = self.issuer.stages.converter.convert(watermark_docx())
            return self._overlay

    def watermarked(self, pdf: bytes) -> bytes:
        return stamp_pages(pdf, self.overlay(), over=False, title="预览（未签发）")  # beneath: the text stays readable


def watermark_docx() -> bytes:
    """A DOCX of one A4 page: 预览 in large light grey letters mid-page, and what it means below."""
    return stamp_docx((StampLine(WATERMARK, 150, 70), StampLine(WATERMARK_NOTE, 22)), (0xF3, 0xC9, 0xC9))


def page_images(pdf: bytes, dpi: int = IMAGE_DPI) -> list[bytes]:
    """Each page as PNG bytes (poppler's ``pdftoppm``), at most ``MAX_PAGES``."""
    with tempfile.TemporaryDirectory(prefix="docgen-preview-") as tmp:
        source = Path(tmp) / "preview.pdf"
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-l", str(MAX_PAGES), str(source),
                            str(Path(tmp) / "page")], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ConversionFailed(f"预览页面图像生成失败：{exc}") from None
        return [path.read_bytes() for path in sorted(Path(tmp).glob("page-*.png"),
                                                     key=lambda p: int(p.stem.rsplit("-", 1)[1]))]


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str = Field(description="模板标识")
    version: str | None = Field(default=None, description="模板版本；缺省为现行版本")
    data: dict[str, Any] = Field(description="案件数据，须符合该模板版本的 JSON Schema")
