"""The legal basis of an instrument, as its author cited it.

Each instrument's build function in ``tools/authoring/instruments`` opens its
docstring with the instrument's name and, in parentheses, the provisions it is
made under, e.g. ``行政处罚告知书 (行政处罚法第44条; 程序规定第57条).`` That line is
the one place the citation is written, next to the code that lays the
instrument out; the release step copies it into the manifest (``basis``), and
``tools/catalogue_docs.py`` prints it, so the two never disagree. Only the
citations are taken (law and 第…条…款/项), not the prose around them.
"""
from __future__ import annotations

import inspect
import re
from typing import Any, Callable

# A citation: an optional short name of a law or rule, then 第…条, optionally 第…款/项.
# "第18–20条" and "第34、37、42条" are one citation each.
_NUMBER = r"[0-9一二三四五六七八九十百零]+"
_CITATION = re.compile(
    r"(?P<law>[\u4e00-\u9fff]{1,20}?(?:法|规定|条例|办法|规则))?"
    rf"(?P<article>第{_NUMBER}(?:[–\-~、]{_NUMBER})*条(?:第{_NUMBER}[款项])*)")


def legal_basis_of(build: Callable[..., Any]) -> str:
    """The citations in the first docstring line of ``build``, joined with "; " ("" if none).

    A bare article ("第25条" after "行政强制法第24条") belongs to the law cited before it,
    as a reader would take it.
    """
    doc = inspect.getdoc(build) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    citations: list[str] = []
    law = ""
    for match in _CITATION.finditer(first):
        law = match.group("law") or law
        citation = law + match.group("article")
        if citation not in citations:
            citations.append(citation)
    return "; ".join(citations)


def legal_basis(instrument: Any) -> str:
    """An instrument's own ``basis`` if it declares one, else its build function's citation."""
    return str(getattr(instrument, "basis", "") or "") or legal_basis_of(instrument.build)
