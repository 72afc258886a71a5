"""Reading PDFs the way a person or an archive would: poppler's tools and pypdf."""
from __future__ import annotations

import io
import re
import subprocess
import tempfile

from pypdf import PdfReader


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run([tool, *args, handle.name, *(["-"] if tool == "pdftotext" else [])],
                              check=True, capture_output=True, text=True).stdout


def text(pdf: bytes) -> str:
    return _poppler("pdftotext", pdf, "-raw")


PAGE_NUMBER = re.compile(r"第\s*\d+\s*页\s*共\s*\d+\s*页|^\s*[—-]\s*\d+\s*[—-]\s*$")


def body_text(pdf: bytes) -> str:
    """The text of all pages without their running footers, so values that cross a
    page break read as one: lines closing every page alike, and page numbers, are dropped."""
    pages = text(pdf).split("\f")[:-1] or [text(pdf)]
    lines = [page.splitlines() for page in pages]
    running = set.intersection(*(set(page[-4:]) for page in lines)) if len(lines) > 1 else set()
    return "\n".join(line for page in lines for line in page
                     if line not in running and not PAGE_NUMBER.search(line))


def squeezed(value: str) -> str:
    """Text without whitespace, since layout breaks long values across lines."""
    return re.sub(r"\s+", "", value)


def contains(pdf_text: str, value: str) -> bool:
    return squeezed(value) in squeezed(pdf_text)


def fonts(pdf: bytes) -> list[dict[str, str]]:
    """``pdffonts`` rows: name, type, embedded (yes/no)."""
    lines = _poppler("pdffonts", pdf).splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type [type2] encoding emb sub uni object ID
        rows.append({"name": parts[0], "emb": parts[-5], "line": line})
    return rows


def pages(pdf: bytes) -> int:
    info = _poppler("pdfinfo", pdf)
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdfa_part(pdf: bytes) -> tuple[str, str] | None:
    """The PDF/A part and conformance claimed in the XMP metadata, e.g. ("2", "B")."""
    meta = PdfReader(io.BytesIO(pdf)).trailer["/Root"].get("/Metadata")
    if meta is None:
        return None
    xmp = meta.get_object().get_data().decode("utf-8", "replace")
    part = re.search(r"pdfaid:part(?:>|=\")(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")([ABU])", xmp)
    return (part.group(1), conformance.group(1)) if part and conformance else None
