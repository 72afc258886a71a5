"""What the signed page says about itself: the document's title and its 文书编号.

The chain records the template id and version but neither the title nor the
文书编号. Both are in the signed content PDF (the prefix ``content_sha256``
covers): LibreOffice writes the template's title to ``/Title``, and the
template prints the number on the first page. They are read here from that
prefix only, so nothing appended after signing can change them. The number is
*read*, not verified: it is found in the page's text by its form
(字〔年〕号, the 发文字号 form of GB/T 9704-2012), so a page without one, or whose text cannot be
extracted, gives ``None``.
"""
from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader

#: 株市监处罚〔2026〕1号; text extraction may put spaces around the digits.
_NUMBER = re.compile(r"([^\s〔：:，,。（）()]{1,24})〔\s*(\d{4})\s*〕\s*(\d{1,6})\s*号")


def read_facts(content: bytes) -> tuple[str | None, str | None]:
    """(title, 文书编号) of a content PDF; ``None`` for what cannot be read."""
    try:
        reader = PdfReader(BytesIO(content))
    except Exception:  # pypdf raises many types on damaged files; the verifier reports those
        return None, None
    return _title(reader), _number(reader)


def _title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:
        return None
    return str(title).strip() or None if title else None


def _number(reader: PdfReader) -> str | None:
    try:
        if not reader.pages:
            return None
        text = reader.pages[0].extract_text() or ""
    except Exception:
        return None
    match = _NUMBER.search(text)
    if match is None:
        return None
    return f"{match.group(1)}〔{match.group(2)}〕{match.group(3)}号"
