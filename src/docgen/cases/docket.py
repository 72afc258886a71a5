"""A case as it is read: its documents in issue order, its timeline, its deadlines, whether it may close.

Everything here is derived from what is stored — the case, its events, the
documents bound to it and their signature chains — so it is never out of date:
an approval signed on a document of the case is on the case's timeline without
the approval code knowing about cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..catalogue import Catalogue
from ..chain import ISSUANCE, VoidMark
from ..errors import Conflict
from ..storage import Storage, StoredDocument, StoredStage
from ..timefmt import instant
from ..workdays import Calendar
from . import deadlines
from .case import Case, CaseStore
from .deadlines import Deadline, Issued

CLOSING = "case-closing-approval"
#: The 音像记录说明: the instrument that prints a case's 音像记录 into its file (seed: 作为案卷资料).
AV_NOTE = "av-record-note"
#: The 音像记录原件移交清单: the instrument that hands a case's 音像记录 originals to the archive with its file.
AV_TRANSFER = "av-originals-transfer"
#: Within one second (signed times have whole seconds), what must have come first: a document before its
#: stages, the stages before the closing they allowed, the closing before the volume.
_RANK = {"created": 0, "updated": 1, "document_issued": 2, "media_added": 2, "publicity_opened": 3, "stage": 3,
         "closed": 4, "volume_built": 5}
APPROVED = "同意"


@dataclass(frozen=True)
class Entry:
    """One line of a case's timeline."""

    time: str
    kind: str
    """created, updated, document_issued, stage, media_added, closed, volume_built."""
    actor: str
    summary: str
    detail: dict[str, Any]


class Docket:
    def __init__(self, cases: CaseStore, storage: Storage, catalogue: Catalogue, calendar: Calendar,
                 zone: ZoneInfo) -> None:
        self.cases = cases
        self.storage = storage
        self.catalogue = catalogue
        self.calendar = calendar
        self.zone = zone

    def today(self) -> date:
        return datetime.now(self.zone).date()

    def documents(self, case: Case) -> list[tuple[StoredDocument, list[StoredStage]]]:
        """The case's documents in issue order, each with its stages."""
        return [(self.storage.document(i), self.storage.stages(i)) for i in self.cases.document_ids(case.id)]

    def issued(self, case: Case) -> list[Issued]:
        """The case's documents with the payload of their latest stage (what was last signed), each marked
        void when its chain ends in a void (作废: it fulfils no deadline)."""
        return [Issued(doc, self.storage.payload(stages[-1].payload_sha256),
                       VoidMark.of([s.link for s in stages]) is not None) for doc, stages in self.documents(case)]

    def archived_on(self, case: Case) -> date | None:
        row = self.storage.db.query_one("SELECT MIN(built_at) FROM case_volumes WHERE case_id = ?", case.id)
        return date.fromisoformat(row[0][:10]) if row and row[0] else None

    def deadlines(self, case: Case, today: date | None = None) -> list[Deadline]:
        return deadlines.compute(case, self.issued(case), self.calendar, today or self.today(),
                                 self.archived_on(case))

    def timeline(self, case: Case) -> list[Entry]:
        """The case's events and every signature stage of its documents, oldest first."""
        entries = [Entry(e.time, e.kind, e.actor, _summary(e.kind, e.detail), e.detail)
                   for e in self.cases.events(case.id)]
        for doc, stages in self.documents(case):
            workflow = self.catalogue.get(doc.template_id, doc.template_version).workflow
            for stage in stages:
                if stage.stage == ISSUANCE and stage.link.round == 1:
                    continue  # the document_issued event says it
                label = workflow.label(stage.stage)  # 作废 for a void
                entries.append(Entry(stage.link.time, "stage", stage.link.principal_id,
                                     f"{doc.title}：{label}（{stage.link.signer_name}）{stage.link.decision or ''}",
                                     {"document_id": doc.id, "index": stage.idx, "stage": stage.stage,
                                      "label": label, "decision": stage.link.decision,
                                      "opinion": stage.link.opinion, "signer": stage.link.signer_name}))
        return sorted(entries, key=lambda e: (instant(e.time).replace(microsecond=0), _RANK.get(e.kind, 2)))

    def media_notes(self, case: Case) -> dict[str, list[str]]:
        """For each of the case's 音像记录 (by id), the 音像记录说明 (document ids) that print it, void ones
        left out; an empty list is a 音像记录 not yet in the case file as the seed asks."""
        return self._media_in(case, AV_NOTE)

    def media_transfers(self, case: Case) -> dict[str, list[str]]:
        """For each of the case's 音像记录 (by id), the 音像记录原件移交清单 (document ids) that list it, void
        ones left out; an empty list is an original not yet handed over with the file (a reminder only)."""
        return self._media_in(case, AV_TRANSFER)

    def _media_in(self, case: Case, template_id: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {m.id: [] for m in self.cases.media(case.id)}
        for doc, stages in self.documents(case):
            if doc.template_id != template_id or VoidMark.of([s.link for s in stages]) is not None:
                continue
            for item in self.storage.payload(stages[-1].payload_sha256).get("media", []):
                if isinstance(item, dict) and item.get("media_id") in found:
                    found[item["media_id"]].append(doc.id)
        return found

    def uncovered_media(self, case: Case) -> list[str]:
        """The ids of the case's 音像记录 that no 音像记录说明 prints (a reminder, never a refusal)."""
        return [media_id for media_id, notes in self.media_notes(case).items() if not notes]

    def closing_approval(self, case: Case) -> StoredDocument:
        """The case's 结案审批表 whose last stage approved it (程序规定第七十七条); 409 if there is none."""
        for doc, stages in reversed(self.documents(case)):
            if doc.template_id != CLOSING:
                continue
            workflow = self.catalogue.get(doc.template_id, doc.template_version).workflow
            last = stages[-1]
            if last.stage == workflow.stages[-1].id and last.link.decision == APPROVED:
                return doc
        raise Conflict(f"案件 {case.number} 的结案审批表尚未经{_final_label(self.catalogue)}同意，不能结案")


def _final_label(catalogue: Catalogue) -> str:
    stages = catalogue.get(CLOSING).workflow.stages
    return stages[-1].label.removesuffix("意见")


def _summary(kind: str, detail: dict[str, Any]) -> str:
    if kind == "created":
        return f"立案登记，案件编号 {detail.get('number')}"
    if kind == "updated":
        return "更正案件信息：" + "、".join(detail.get("changes", {}))
    if kind == "document_issued":
        number = f"（{detail['doc_number']}）" if detail.get("doc_number") else ""
        return f"签发{detail.get('title')}{number}"
    if kind == "media_added":
        return f"上传音像记录：{detail.get('content', detail.get('filename', ''))}"
    if kind == "closed":
        return "结案"
    if kind == "volume_built":
        return f"装订案卷第 {detail.get('volume')} 卷（{detail.get('pages')} 页）"
    if kind == "publicity_opened":
        return f"{detail.get('doc_number') or '决定'}应于 {detail.get('due_on')} 前公示" if detail.get("status") == "due" \
            else f"{detail.get('doc_number') or '决定'}不予公开"
    return kind
