"""A batch of public renditions ready to upload (国家企业信用信息公示系统, the bureau's website).

One ZIP, documented here and in its own ``说明.txt``:

    公示批次-<date>/
      说明.txt          this layout, the columns, the rule each file follows
      摘要.csv          one row per decision: the 信息摘要 fields (公示规定第四条) + file name + sha256;
                        UTF-8 with BOM (opens in Excel as is), RFC 4180 quoting
      摘要.json         the same rows as a JSON array (keys as the CSV's columns)
      pdf/<n>-<文书编号>.pdf   each signed public rendition, byte for byte as stored

The rows are made from the redacted payload, so they hide what the PDFs hide.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from typing import Sequence

from . import summary
from .record import DUE, OVERDUE, PublicityStore, Record
from .redaction import Span
from .rendition import Renditions

COLUMNS = ("行政处罚决定书文号", "当事人", "当事人证件号码", "法定代表人（负责人、经营者）", "违法行为类型", "行政处罚内容",
           "作出行政处罚决定的机关名称", "作出行政处罚决定的日期", "公示期限", "文件", "sha256")
LAYOUT = __doc__.split("One ZIP, documented here and in its own ``说明.txt``:", 1)[1].strip()


def due(store: PublicityStore, status: str | None = None) -> list[Record]:
    """The records a batch is made of: ``status`` (due or overdue) alone, or by default all due ones,
    overdue included — the same for the API (``GET /v1/publicity/export``) and the page (``/publicity/export``)."""
    return store.list(status or DUE) + ([] if status else store.list(OVERDUE))


def filename(today: date) -> str:
    return f"publicity-{today.isoformat()}.zip"


def rows(renditions: Renditions, records: Sequence[Record]) -> list[tuple[Record, dict[str, str], bytes]]:
    """Each record that has a rendition: its summary row and its PDF."""
    made = []
    for n, record in enumerate((r for r in records if r.detail.get("rendition")), start=1):
        spans = [Span(**s) for s in record.detail["rendition"].get("spans", [])]
        redacted = renditions.preview(record.document_id, spans)
        fields = dict(summary.fields(redacted.data, record.detail.get("doc_number") or "", renditions.stages.agency))
        latest = renditions.latest(record.document_id)
        name = f"pdf/{n:03d}-{(record.detail.get('doc_number') or record.document_id).replace('/', '／')}.pdf"
        made.append((record, {
            "行政处罚决定书文号": fields.get("行政处罚决定书文号", ""),
            "当事人": fields.get("当事人名称") or fields.get("当事人姓名", ""),
            "当事人证件号码": fields.get("统一社会信用代码") or fields.get("身份证件号码", ""),
            "法定代表人（负责人、经营者）": fields.get("法定代表人（负责人、经营者）", ""),
            "违法行为类型": fields["违法行为类型"], "行政处罚内容": fields["行政处罚内容"],
            "作出行政处罚决定的机关名称": fields["作出行政处罚决定的机关名称"],
            "作出行政处罚决定的日期": fields["作出行政处罚决定的日期"], "公示期限": record.due_on,
            "文件": name, "sha256": latest.pdf_sha256}, renditions.storage.blobs.get(latest.pdf_sha256)))
    return made


def batch(renditions: Renditions, records: Sequence[Record], today: date) -> bytes:
    """The ZIP described in the module docstring."""
    made = rows(renditions, records)
    folder = f"公示批次-{today.isoformat()}"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for _, row, _ in made:
        writer.writerow(row)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/说明.txt", LAYOUT + "\n")
        archive.writestr(f"{folder}/摘要.csv", "\ufeff" + text.getvalue())
        archive.writestr(f"{folder}/摘要.json", json.dumps([row for _, row, _ in made], ensure_ascii=False, indent=1))
        for _, row, pdf in made:
            archive.writestr(f"{folder}/{row['文件']}", pdf)
    return out.getvalue()
