"""Make ``src/docgen/defaults/fixed.pdf``, the one PDF the test-only ``fake`` converter returns.

Run once (``.venv/bin/python tools/make_fixed_pdf.py``) and commit the file: it is a real PDF/A-3b
from the same LibreOffice pool the service uses, so sealing and verification treat it exactly as
they treat a converted document. Its page says what it is, so nobody mistakes it for an instrument.
"""
from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from docx import Document

from docgen.conversion import ConverterPool
from docgen.fixedpdf import FIXED_PDF

TEXT = ("测试转换器（DOCGEN_CONVERTER=fake）的固定输出",
        "这是一份 PDF/A-3b，由 LibreOffice 生成一次后随软件分发。文书数据没有排入本页：",
        "它只用于不需要 LibreOffice 的快速测试，不得用于正式签发。")


def fixed_docx() -> bytes:
    document = Document()
    for line in TEXT:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="docgen-fixed-pdf-") as work, ConverterPool(1, Path(work)) as pool:
        pdf = pool.convert(fixed_docx())
    FIXED_PDF.write_bytes(pdf)
    print(f"{FIXED_PDF}: {len(pdf)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
