"""The 行政处罚信息摘要 placed before the published decision (公示规定第四条第二、三款).

Its content is fixed by 第四条第三款: 行政处罚决定书文号、行政处罚当事人基本情况、
违法行为类型、行政处罚内容、作出行政处罚决定的行政机关名称和日期. It is
made from the *redacted* payload, so a value hidden in the decision is hidden
here too, and typeset on the decision's own DOCX (its page setup, fonts and
footer), with the body replaced by a title and a two-column table.
"""
from __future__ import annotations

import io
from typing import Any, Mapping

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ..rendering import cn_date, yuan

TITLE = "行政处罚信息摘要"
FONT = "Noto Serif CJK SC"


def fields(data: Any, doc_number: str, agency: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of the summary, in 第四条's order."""
    party = data.get("party", {})
    rows = [("行政处罚决定书文号", doc_number or "（无）")]
    if party.get("kind") == "person":
        rows += [("当事人姓名", party.get("name", "")), ("身份证件号码", party.get("id_number", ""))]
    else:
        rows += [("当事人名称", party.get("name", ""))]
        if party.get("uscc"):
            rows.append(("统一社会信用代码", party["uscc"]))
        elif party.get("license_name"):
            rows.append(("主体资格证照名称", party["license_name"]))
        rows.append(("法定代表人（负责人、经营者）", party.get("legal_representative", "")))
        if party.get("address"):
            rows.append(("住所", party["address"]))
    rows += [("违法行为类型", data.get("violation", "")),
             ("行政处罚内容", penalty_text(data.get("penalties", []))),
             ("作出行政处罚决定的机关名称", str(agency["name"])),
             ("作出行政处罚决定的日期", cn_date(data.get("issued_on", "")))]
    return rows


def penalty_text(penalties: list[Any]) -> str:
    parts = []
    for n, item in enumerate(penalties, start=1):
        text = f"{n}．{item.get('type', '')}"
        if item.get("amount"):
            text += yuan(item["amount"])
        if item.get("description"):
            text += f"：{item['description']}"
        parts.append(text)
    return "；".join(parts)


def summary_docx(decision_docx: bytes, rows: list[tuple[str, str]]) -> bytes:
    """The decision's DOCX with its body replaced by the summary (its section settings kept)."""
    document = Document(io.BytesIO(decision_docx))
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title.add_run(TITLE), 18, bold=True)
    table = document.add_table(rows=0, cols=2)
    table.style = document.styles["Table Grid"] if "Table Grid" in [s.name for s in document.styles] else None
    for label, text in rows:
        cells = table.add_row().cells
        _run(cells[0].paragraphs[0].add_run(label), 12, bold=True)
        _run(cells[1].paragraphs[0].add_run(text), 12)
    note = document.add_paragraph()
    _run(note.add_run("依据《市场监督管理行政处罚信息公示规定》第四条制作，附于行政处罚决定书之前；"
                      "决定书中依法隐去的内容以＊表示（第六条、第七条）。"), 10)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _run(run: Any, size: int, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", FONT)
