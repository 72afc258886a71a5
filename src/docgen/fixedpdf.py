"""The ``fake`` converter (``DOCGEN_CONVERTER=fake``, tests only): one stored PDF/A-3b for every DOCX.

Converting with LibreOffice costs a process per core and a second or more per document; the
API contract, numbering, workflows, sealing and verification do not depend on what the page
shows. This converter returns ``defaults/fixed.pdf``, a real PDF/A-3b that LibreOffice made
once (``tools/make_fixed_pdf.py``), so sealing and verification see the same kind of file as
in production. Only its file identifier (the trailer ``/ID``, same length, so no offset moves)
is derived from the DOCX: two different documents never share content bytes, as they would not
with LibreOffice, and the chain's content hashes stay distinct from stage to stage.
It refuses what LibreOffice would refuse before typesetting (not a DOCX), so error paths match.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
import zipfile
from pathlib import Path

from .errors import ConversionFailed

FIXED_PDF = Path(__file__).with_name("defaults") / "fixed.pdf"
_ID = re.compile(rb"/ID \[ <([0-9A-F]{32})>\n<([0-9A-F]{32})> \]")


class FixedPdfConverter:
    """``Converter`` (see ``converters.py``) that typesets nothing; for tests only."""

    def __init__(self, pdf_path: Path = FIXED_PDF) -> None:
        self.pdf_path = pdf_path
        self._pdf: bytes | None = None
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        pdf = self.pdf_path.read_bytes()
        if not pdf.startswith(b"%PDF-") or len(_ID.findall(pdf)) != 1:
            raise ConversionFailed(f"{self.pdf_path} 不是 tools/make_fixed_pdf.py 生成的 PDF")
        with self._lock:
            self._pdf, self._closed = pdf, False
        logging.getLogger("docgen").warning(
            "DOCGEN_CONVERTER=fake：每份文书都转换为同一个测试 PDF，不含文书内容；仅用于测试，不得用于正式签发")

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def alive(self) -> int:
        return 1 if self._pdf is not None and not self._closed else 0

    def waiting(self) -> int:
        return 0  # converts at once, in the caller's thread

    def convert(self, docx: bytes) -> bytes:
        if not docx.startswith(b"PK\x03\x04"):
            raise ConversionFailed("输入不是 DOCX 文件")
        try:
            zipfile.ZipFile(io.BytesIO(docx)).getinfo("word/document.xml")
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ConversionFailed(f"无法转换该文档：{exc}") from exc
        with self._lock:
            if self._closed:
                raise ConversionFailed("转换服务已关闭")
            if self._pdf is None:
                raise ConversionFailed("转换服务尚未启动")
            pdf = self._pdf
        identifier = hashlib.sha256(docx).hexdigest()[:32].upper().encode("ascii")
        return _ID.sub(b"/ID [ <" + identifier + b">\n<" + identifier + b"> ]", pdf, count=1)
