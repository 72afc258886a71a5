"""The 文书编号 as document metadata: written into the DOCX's keywords, read from the PDF's /Keywords.

The verifier names a document by its 文书编号, which the signed chain does not record. Reading it
from the first page's text (``verify/_content``) costs a full content-stream parse in pypdf, some
25–40 ms for a dense page: more than the rest of verifying the latest file. So the renderer also
writes the number into the DOCX core property *keywords*, which LibreOffice exports as the PDF's
``/Keywords`` (and the XMP ``pdf:Keywords`` PDF/A requires to match it). It lies in the content
prefix the chain's ``content_sha256`` covers, exactly like the page text.

The value is ``文书编号：`` followed by the number, or by nothing for an instrument without one, so
a reader can tell "issued without a number" from "issued before this field existed" (files issued
before this field existed fall back to the page text).
"""
from __future__ import annotations

#: What precedes the number in the keywords.
LABEL = "文书编号："


def keywords(number: str) -> str:
    """The keywords property for a document numbered ``number`` ("" when it has no number)."""
    return LABEL + number


def number_from_keywords(value: str | None) -> tuple[bool, str | None]:
    """(recorded, number): whether ``value`` records a 文书编号 at all, and the number if it has one."""
    if not value or not value.startswith(LABEL):
        return False, None
    return True, value[len(LABEL):].strip() or None
