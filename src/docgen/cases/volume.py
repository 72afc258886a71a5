"""The archive volume (一案一卷): a closed case's signed documents bound into one signed PDF/A.

The volume is assembled, never re-rendered: each issued document's signed PDF
(its latest stage) is merged page by page with pypdf, so what the archive gets
is exactly what was signed. Only three new pages are made, from the catalogue's
own instruments: the 卷宗封面 filled from the case, the 卷内文件目录 (序号, 文号,
责任者, 题名, 日期, 页号) computed after pagination, and the 卷内备考表, last.

- **Order** (《市场监督管理行政处罚程序规定》第七十八条): 正卷 — 立案审批表, the
  decision and its 送达回证, other instruments each followed by its 回证, evidence,
  the 听证笔录, the 财物 records; then 副卷 — 案源, 调查终结报告, 审核意见, internal
  approvals, 听证报告, 结案审批表, then the 音像记录原件移交清单 (副卷（六）其他有关材料, docgen's
  choice). The 音像记录说明 (photos printed, recordings transcribed) are evidence (正卷（四）). Within a
  group, issue order.
- **页号**: one continuous number on every page, cover first, drawn as vector
  strokes at the top right (no font, so the volume stays PDF/A without embedding one).
- **Bookmarks**: 正卷 and 副卷, one per document beneath them.
- **Originals**: each document's signed PDF rides inside the volume as a PDF/A-3
  associated file (``/AFRelationship /Source``), and ``docgen-volume.json``
  (``/Data``) lists each with its sha256, pages and place; the agency's signature
  over the whole binds them (``docgen verify`` checks all three).

A volume is never rewritten: volume *n* binds the documents (or later stages)
not yet bound in volumes 1…n−1. It is stored as a blob first and its row last,
so a crash leaves at most an unreferenced file, never a half volume.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Callable, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject,
                           TextStringObject)

from ..storage import StoredDocument, StoredStage

FORMAT = "docgen-volume/1"
MANIFEST_NAME = "docgen-volume.json"
MAIN, SUB = "正卷", "副卷"

#: 第七十八条 groups, in order; each (section, templates). A template in no group goes to 正卷's "other instruments".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (MAIN, ("case-filing-approval",)),
    (MAIN, ("penalty-decision", "no-penalty-decision", "on-the-spot-penalty-decision")),
    (MAIN, ()),  # other instruments, each followed by its 送达回证
    (MAIN, ("on-site-record", "inquiry-record", "sampling-record", "electronic-evidence-record",
            "evidence-extraction-slip", "av-record-note", "representation-record", "test-result-notice")),
    (MAIN, ("hearing-record",)),
    (MAIN, ("seizure-inventory", "disposal-record", "advance-disposal-confirmation", "seal-strip")),
    (SUB, ("case-source-registration",)),
    (SUB, ("investigation-report",)),
    (SUB, ("case-review", "major-decision-review")),
    (SUB, ("case-matter-approval", "decision-approval", "collective-discussion-record")),
    (SUB, ("hearing-report",)),
    (SUB, ("case-closing-approval",)),
    (SUB, ("av-originals-transfer",)),  # 副卷（六）其他有关材料: the originals handed to the archive (docgen's choice)
)
OTHER = 2
RECEIPT = "service-receipt"
#: The volume's own pages; an issued copy of one is not bound again.
OWN = frozenset({"case-file-cover", "file-index", "file-notes"})


@dataclass(frozen=True)
class Bound:
    """One document as the volume binds it."""

    document: StoredDocument
    stage: StoredStage
    pdf: bytes
    pages: int
    section: str
    date: str


def order(documents: Sequence[tuple[StoredDocument, Any]]) -> list[tuple[StoredDocument, Any, str]]:
    """The documents in 第七十八条 order with their section; 送达回证 right after the document they serve."""
    group_of = {t: n for n, (_, templates) in enumerate(GROUPS) for t in templates}
    receipts = [(d, data) for d, data in documents if d.template_id == RECEIPT]
    served: dict[str, list[tuple[StoredDocument, Any]]] = {}
    loose = []
    for receipt, data in receipts:
        named = [(entry.get("number"), entry.get("name")) for entry in data.get("documents", [])]
        target = next((d for d, _ in documents if d.template_id != RECEIPT and any(
            (number and number == d.doc_number) or (not number and name == d.title) for number, name in named)), None)
        if target is None:
            loose.append((receipt, data))
        else:
            served.setdefault(target.id, []).append((receipt, data))
    ordered: list[tuple[StoredDocument, Any, str]] = []
    for n, (section, _) in enumerate(GROUPS):
        for document, data in documents:
            if document.template_id == RECEIPT or document.template_id in OWN:
                continue
            if group_of.get(document.template_id, OTHER) != n:
                continue
            ordered.append((document, data, section))
            ordered += [(r, rd, section) for r, rd in served.get(document.id, [])]
        if n == OTHER:
            ordered += [(r, rd, MAIN) for r, rd in loose]
    return ordered


def document_date(document: StoredDocument, data: Any) -> str:
    """The date a document bears (issued, dated, proposed, served…), else the day it was issued."""
    for key in ("issued_on", "date", "proposed_on", "served_on", "registered_on", "submitted_on", "reviewed_on",
                "sealed_on", "measure_on"):
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, str) and len(value) == 10:
            return value
    return document.created_at[:10]


# Page numbers drawn as strokes (a seven-segment figure): no font to embed. -----------------------------

_SEGMENTS = {"a": ((0, 2), (1, 2)), "b": ((1, 2), (1, 1)), "c": ((1, 1), (1, 0)), "d": ((0, 0), (1, 0)),
             "e": ((0, 0), (0, 1)), "f": ((0, 1), (0, 2)), "g": ((0, 1), (1, 1))}
_DIGITS = {"0": "abcdef", "1": "bc", "2": "abged", "3": "abgcd", "4": "fgbc", "5": "afgcd", "6": "afgedc",
           "7": "abc", "8": "abcdefg", "9": "abfgcd"}
_UNIT, _GAP = 4.2, 3.4  # points: half the figure's height and its width; the space between figures


def stamp(number: int, right: float, top: float) -> bytes:
    """A content stream drawing ``number`` with its right edge at ``right``, its top at ``top``."""
    text = str(number)
    left = right - len(text) * (_UNIT + _GAP) + _GAP
    bottom = top - 2 * _UNIT
    ops = ["Q q 0 G 0.9 w 1 J 1 j"]
    for n, figure in enumerate(text):
        x0 = left + n * (_UNIT + _GAP)
        for segment in _DIGITS[figure]:
            (ax, ay), (bx, by) = _SEGMENTS[segment]
            ops.append(f"{x0 + ax * _UNIT:.2f} {bottom + ay * _UNIT:.2f} m "
                       f"{x0 + bx * _UNIT:.2f} {bottom + by * _UNIT:.2f} l S")
    ops.append("Q")
    return "\n".join(ops).encode()


def _number_pages(writer: PdfWriter) -> None:
    """Stamp 1…n at the top right of every page, outside whatever state each page's content leaves."""
    for index, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        before = DecodedStreamObject()
        before.set_data(b"q")
        after = DecodedStreamObject()
        after.set_data(stamp(index, float(box.right) - 42.5, float(box.top) - 28.3))
        contents = page.get("/Contents")
        existing = []
        if contents is not None:
            resolved = contents.get_object()
            existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [writer._add_object(before), *existing, writer._add_object(after)])


def _drop_signature_widgets(writer: PdfWriter) -> None:
    """The originals' signature fields mean nothing on the merged pages (the originals are attached)."""
    for page in writer.pages:
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject(a for a in annotations.get_object()
                           if a.get_object().get("/FT") != "/Sig" and a.get_object().get("/Subtype") != "/Widget")
        if kept:
            page[NameObject("/Annots")] = kept
        else:
            del page[NameObject("/Annots")]


def _attach(writer: PdfWriter, name: str, data: bytes, mime: str, relationship: str, description: str,
            moment: str) -> Any:
    """An embedded file that is also a PDF/A-3 associated file of the document."""
    stream = DecodedStreamObject()
    stream.set_data(data)
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    stream[NameObject("/Subtype")] = NameObject("/" + mime.replace("/", "#2F"))
    stream[NameObject("/Params")] = DictionaryObject({NameObject("/Size"): NumberObject(len(data)),
                                                      NameObject("/ModDate"): TextStringObject(moment)})
    spec = DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject(name),
        NameObject("/UF"): TextStringObject(name), NameObject("/Desc"): TextStringObject(description),
        NameObject("/AFRelationship"): NameObject(relationship),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream),
                                             NameObject("/UF"): writer._add_object(stream)})})
    return writer._add_object(spec)


def _pdf_date(moment: str) -> str:
    """An RFC 3339 UTC time as a PDF date string (D:YYYYMMDDHHmmSSZ)."""
    digits = moment.replace("-", "").replace(":", "").replace("T", "").rstrip("Z")[:14]
    return f"D:{digits}Z"


def assemble(case_data: dict[str, Any], volume_number: int, bound: Sequence[Bound],
             render: Callable[[str, dict[str, Any]], bytes], front: dict[str, Any], built_at: str,
             media: Sequence[dict[str, Any]] = ()) -> tuple[bytes, int, dict[str, Any]]:
    """The unsigned volume PDF, its page count and its manifest.

    ``render(template_id, payload)`` makes the PDF/A of one of the volume's own
    pages (cover, index, notes); the number of index pages is found by rendering
    until it is stable, since the index lists the pages that follow it.
    """
    documents_pages = sum(b.pages for b in bound)
    items = len(bound) + 1  # the 备考表 is the last item

    def entries(cover_pages: int, index_pages: int, notes_pages: int) -> list[dict[str, Any]]:
        listed, page = [], cover_pages + index_pages + 1
        for item in bound:
            last = page + item.pages - 1
            entry = {"author": front["author"], "title": item.document.title, "date": item.date,
                     "pages": f"{page}-{last}" if last > page else str(page)}
            if item.document.doc_number:
                entry["number"] = item.document.doc_number
            listed.append(entry)
            page = last + 1
        listed.append({"author": front["author"], "title": "卷内备考表", "date": front["notes"]["compiled_on"],
                       "pages": f"{page}-{page + notes_pages - 1}" if notes_pages > 1 else str(page)})
        return listed

    # The index lists the pages after it, so its own length must be known first: a draft gives it, then
    # the cover, the notes (which state the total) and, if the draft's length was wrong, the index are
    # rendered side by side on the converter pool. One-page cover and notes are checked, not assumed.
    cover_pages = index_pages = notes_pages = 1
    basis = (1, 1, 1)  # the (cover, index, notes) page counts the current index was numbered with
    index = render("file-index", {**front["index"], "entries": entries(*basis)})
    cover = notes = b""
    for _ in range(4):
        index_pages = _count(index)
        total = cover_pages + index_pages + documents_pages + notes_pages
        jobs = {"cover": ("case-file-cover", {**front["cover"], "items_count": items, "pages_count": total}),
                "notes": ("file-notes", {**front["notes"], "items_count": items, "pages_count": total})}
        if basis != (cover_pages, index_pages, notes_pages):
            basis = (cover_pages, index_pages, notes_pages)
            jobs["index"] = ("file-index", {**front["index"], "entries": entries(*basis)})
        with ThreadPoolExecutor(len(jobs)) as pool:
            made = {key: pool.submit(render, *job) for key, job in jobs.items()}
            cover, notes = made["cover"].result(), made["notes"].result()
            index = made["index"].result() if "index" in made else index
        if (_count(cover), _count(index), _count(notes)) == basis:
            break
        cover_pages, notes_pages = _count(cover), _count(notes)
    else:
        raise RuntimeError("卷内文件目录的页数未能稳定")
    writer = PdfWriter(clone_from=PdfReader(BytesIO(cover)))
    start = len(writer.pages)
    writer.append(PdfReader(BytesIO(index)), import_outline=False)
    outline: list[tuple[str, int, str]] = []
    sections: dict[str, Any] = {}
    placed = []
    for n, item in enumerate(bound, start=1):
        first = len(writer.pages)
        writer.append(PdfReader(BytesIO(item.pdf)), import_outline=False)
        placed.append({"item": n, "document_id": item.document.id, "template": item.document.template_id,
                       "version": item.document.template_version, "title": item.document.title,
                       "doc_number": item.document.doc_number, "section": item.section, "date": item.date,
                       "stage": item.stage.idx, "sha256": item.stage.pdf_sha256, "length": len(item.pdf),
                       "pages": [first + 1, first + item.pages],
                       "file": f"{n:03d}-{item.document.id}.pdf"})
        outline.append((item.section, first, f"{n}. {item.document.title}"
                        + (f"（{item.document.doc_number}）" if item.document.doc_number else "")))
    notes_first = len(writer.pages)
    writer.append(PdfReader(BytesIO(notes)), import_outline=False)
    _drop_signature_widgets(writer)
    _number_pages(writer)
    writer.add_outline_item("卷宗封面", 0)
    writer.add_outline_item("卷内文件目录", start)
    for section, page, title in outline:
        if section not in sections:
            sections[section] = writer.add_outline_item(section, page)
        writer.add_outline_item(title, page, parent=sections[section])
    writer.add_outline_item("卷内备考表", notes_first)
    manifest = {"format": FORMAT, "volume": volume_number, "case": {
        "number": case_data["number"], "cause": case_data["cause"], "party": case_data["party_name"]},
        "built_at": built_at, "pages": len(writer.pages), "documents": placed, "media": list(media)}
    manifest_json = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
    moment = _pdf_date(built_at)
    associated = [_attach(writer, MANIFEST_NAME, manifest_json, "application/json", "/Data",
                          "案卷清单 (docgen-volume/1)：每份原件的 sha256、页号和位置", moment)]
    for entry, item in zip(placed, bound):
        associated.append(_attach(writer, entry["file"], item.pdf, "application/pdf", "/Source",
                                  f"原件：{item.document.title} {item.document.doc_number or ''}".strip(), moment))
    names = ArrayObject()
    for spec in associated:
        names += [TextStringObject(spec.get_object()["/F"]), spec]
    root = writer._root_object
    root[NameObject("/Names")] = DictionaryObject({NameObject("/EmbeddedFiles"): DictionaryObject(
        {NameObject("/Names"): names})})
    root[NameObject("/AF")] = ArrayObject(associated)
    root[NameObject("/PageMode")] = NameObject("/UseOutlines")
    if "/AcroForm" in root:  # the originals' signature fields came along with their pages; the volume gets its own
        del root[NameObject("/AcroForm")]
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages), manifest


def _count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)

