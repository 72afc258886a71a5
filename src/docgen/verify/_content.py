"""What the signed page says about itself: the document's title and its 文书编号.

The chain records the template id and version but neither the title nor the
文书编号. Both are in the signed content PDF (the prefix ``content_sha256``
covers): LibreOffice writes the template's title to ``/Title``, and the
template prints the number on the first page. They are read here from that
prefix only, so nothing appended after signing can change them. The number is
*read*, not verified: it is found in the page's text by its form
(字〔年〕号, the 发文字号 form of GB/T 9704-2012), as a line of its own among the first lines of
the first page, so a page without one (an unnumbered instrument, which may cite *another*
document's number further down), or whose text cannot be extracted, gives ``None``. Checked
against every released template: the number read equals the one issued, and unnumbered
instruments give ``None`` (tests/test_verify.py issues a sample of both kinds).

Files issued since the renderer records the number in the PDF's ``/Keywords`` (``pdfmeta``) are
read from there, in the same signed prefix: parsing the page's content stream costs more than the
rest of verifying the latest file. The page text stays the reading for older files.
"""
from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader

from ..pdfmeta import number_from_keywords

#: 株市监处罚〔2026〕1号 as a line of its own, or after 编号：/文号: (text extraction may put spaces
#: around the digits). A number inside a sentence or brackets — 《行政处罚决定书》（株市监处罚〔2026〕15号）
#: on a 送达回证 — is another document's, not this one's.
_NUMBER_LINE = re.compile(r"(?:(?:编\s*号|文\s*号)\s*[：:]\s*)?([^\s〔：:，,。（）()《》]{1,24})〔\s*(\d{4})\s*〕\s*(\d{1,6})\s*号")
#: The number stands in the head of the page (GB/T 9704: 发文字号 under the issuer's name).
_HEAD_LINES = 6


def read_facts(content: bytes) -> tuple[str | None, str | None]:
    """(title, 文书编号) of a content PDF; ``None`` for what cannot be read."""
    try:
        reader = PdfReader(BytesIO(content))
    except Exception:  # pypdf raises many types on damaged files; the verifier reports those
        return None, None
    recorded, number = _recorded_number(reader)
    return _title(reader), number if recorded else _number(reader)


def _title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:
        return None
    return str(title).strip() or None if title else None


def _recorded_number(reader: PdfReader) -> tuple[bool, str | None]:
    """The number recorded in ``/Keywords``, if it has the 发文字号 form (a keyword could say anything)."""
    try:
        metadata = reader.metadata
        recorded, number = number_from_keywords(str(metadata.get("/Keywords") or "") if metadata else None)
    except Exception:
        return False, None
    if number is not None and _NUMBER_LINE.fullmatch(number) is None:
        return False, None
    return recorded, number


def _number(reader: PdfReader) -> str | None:
    try:
        if not reader.pages:
            return None
        text = reader.pages[0].extract_text() or ""
    except Exception:
        return None
    for line in text.splitlines()[:_HEAD_LINES]:
        match = _NUMBER_LINE.fullmatch(line.strip())
        if match is not None:
            return f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号"
    return None
