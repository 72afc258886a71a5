"""Publicity (公示) over HTTP: the records, the public rendition, recording publication and withdrawal.

Every refusal is a problem document and changes nothing: a document that is no
decision to publish (409), publication recorded before the rendition exists
(409), publication or a rendition of a voided decision (409 naming the void), a
withdrawal without a reason (422 ``/reason``), a redaction span that is not in
the document (422 ``/spans/<n>/text``).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ..errors import NotFound
from ..principals import Principal
from ..publicity import Span
from ..publicity import export
from ..publicity.export import batch
from ..publicity.record import STATUS_LABELS, STATUSES, Record
from ..service import Service
from .deps import principal, service
from .downloads import PDF, document_filename, download
from .models import problems
from .routing import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["公示"], responses=problems(401, 403, 409))


class SpanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pointer: str = Field(description="字段的 JSON 指针，如 /facts")
    text: str = Field(description="该字段中要隐去的文字（须原样出现在该字段中）")
    reason: str = Field(default="", description="隐去的理由，如 商业秘密")


class RenditionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spans: list[SpanBody] = Field(default_factory=list, description="承办人员另行标注隐去的内容（商业秘密等）")


class PublishedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str = Field(default="", description="公示平台，如 国家企业信用信息公示系统")
    url: str = Field(default="", description="公示页面地址")
    published_at: str = Field(default="", description="公示日期（YYYY-MM-DD）或时间（ISO 8601）")


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", description="撤回理由（公示规定第十一条：说明理由）；文书已作废的，缺省为“文书已作废，不再公示”")
    basis: str = Field(default="", description="依据，如 复议决定书、判决书的文号；文书已作废的，缺省为“文书已作废：<作废原因>”")
    changed_on: str | None = Field(default=None, description="决定被变更、撤销或确认违法、无效之日（缺省为今天；"
                                                            "文书已作废的，缺省为作废之日）")


class NotPublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", description="拟不予公开的理由")
    basis: str = Field(default="", description="依据")


class NotPublishApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(default="", description="同意 或 不同意")
    opinion: str = Field(default="", description="审批意见；不同意的必填")


class PublicityBody(BaseModel):
    """One decision's publicity record, its state today and its history."""

    document_id: str
    case_id: str | None
    template: str
    title: str | None
    doc_number: str | None
    party: str | None
    status: Literal[STATUSES]  # type: ignore[valid-type]
    status_label: str
    decided_on: str = Field(description="决定日期（作出之日）")
    due_on: str = Field(description="公示期限（工作日按机关日历）")
    days_left: int | None = Field(description="距公示期限的天数（逾期为负）；已作废待撤回的，距撤回期限的天数；其他为空")
    rule: dict[str, Any] = Field(description="working_days、basis（依据）、note")
    rendition: dict[str, Any] | None = Field(description="最新公示文本：revision、sha256、隐去内容（指针、显示、理由）")
    published: dict[str, Any] | None = Field(description="platform、url、published_at、on_time、period_end（停止公示日）、period_note")
    withdrawn: dict[str, Any] | None = Field(description="reason、basis、changed_on、due_on（三个工作日）、withdrawn_on、on_time")
    not_published: dict[str, Any] | None = Field(description="不予公开：reason 及审批")
    void: dict[str, Any] | None = Field(description="决定已作废（待公示或已公示时作废）：reason、signer、time、voided_on、"
                                                    "stage_index（作废环节）；已公示的另有 withdraw_due_on（撤回期限）与 rule")
    events: list[dict[str, Any]] = Field(description="全部历史，永不删除")
    links: dict[str, str]

    @classmethod
    def of(cls, record: Record, today: date) -> "PublicityBody":
        detail = record.detail
        state = record.state(today)
        links = {"self": f"/v1/documents/{record.document_id}/publicity",
                 "document": f"/v1/documents/{record.document_id}",
                 "original_pdf": f"/v1/documents/{record.document_id}/pdf"}
        if detail.get("rendition"):
            links["public_pdf"] = f"/v1/documents/{record.document_id}/publicity/pdf"
        rendition = detail.get("rendition")
        if rendition:
            rendition = {k: v for k, v in rendition.items() if k != "spans"}
        return cls(document_id=record.document_id, case_id=record.case_id, template=record.template_id,
                   title=detail.get("title"), doc_number=detail.get("doc_number"), party=detail.get("party"),
                   status=state, status_label=STATUS_LABELS[state], decided_on=record.decided_on,
                   due_on=record.due_on, days_left=record.days_left(today), rule=record.rule, rendition=rendition,
                   published=detail.get("published"), withdrawn=detail.get("withdrawn"),
                   not_published=detail.get("not_published"), void=record.void, events=list(record.events),
                   links=links)


def _record(svc: Service, document_id: str) -> Record:
    svc.storage.document(document_id)  # 404 for a document that does not exist
    return svc.publicity.get(document_id)  # 409 for one that is not a decision to publish


def _body(svc: Service, document_id: str) -> PublicityBody:
    return PublicityBody.of(_record(svc, document_id), svc.publicity.today())


@router.get("/v1/publicity", response_model=list[PublicityBody])
def list_publicity(status: Literal[STATUSES] | None = Query(None, description="、".join(STATUSES)),  # type: ignore[valid-type]
                   case_id: str | None = Query(None, max_length=64), caller: Principal = Depends(principal),
                   svc: Service = Depends(service)) -> list[PublicityBody]:
    today = svc.publicity.today()
    return [PublicityBody.of(r, today) for r in svc.publicity.list(status, case_id)]


@router.get("/v1/publicity/export", response_class=Response,
            responses={200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}})
def export_batch(status: Literal["due", "overdue"] | None = Query(None, description="缺省为全部待公示（含逾期）"),
                 caller: Principal = Depends(principal), svc: Service = Depends(service)) -> Response:
    """The due renditions as one ZIP: PDFs + 摘要.csv + 摘要.json (layout: ``publicity/export.py``, 说明.txt)."""
    today = svc.publicity.today()
    data = batch(svc.renditions, export.due(svc.publicity, status), today)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename=\"{export.filename(today)}\""})


@router.get("/v1/documents/{document_id}/publicity", response_model=PublicityBody)
def get_publicity(document_id: str, caller: Principal = Depends(principal),
                  svc: Service = Depends(service)) -> PublicityBody:
    return _body(svc, document_id)


@router.post("/v1/documents/{document_id}/publicity/rendition", status_code=201, response_model=PublicityBody)
async def make_rendition(document_id: str, body: RenditionRequest, caller: Principal = Depends(principal),
                         svc: Service = Depends(service)) -> PublicityBody:
    """Make the next public rendition (a correction once published): 信息摘要 + the redacted decision, signed."""
    _record(svc, document_id)
    spans = [Span(s.pointer, s.text, s.reason) for s in body.spans]
    await run_in_threadpool(svc.renditions.make, caller.id, document_id, spans)
    return _body(svc, document_id)


@router.get("/v1/documents/{document_id}/publicity/pdf", response_class=Response,
            responses={200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}}}})
def public_pdf(request: Request, document_id: str, revision: int | None = Query(None, ge=1),
               caller: Principal = Depends(principal), svc: Service = Depends(service)) -> Response:
    made = svc.renditions.list(document_id)
    chosen = made[-1] if made and revision is None else next((m for m in made if m.revision == revision), None)
    if chosen is None:
        raise NotFound(f"文书 {document_id} 没有{'第 ' + str(revision) + ' 版' if revision else ''}公示文本")
    document = svc.storage.document(document_id)
    return download(request, svc.storage.blobs.get(chosen.pdf_sha256), chosen.pdf_sha256, PDF,
                    document_filename(document, "pdf", f"-公示文本-{chosen.revision}"))


@router.post("/v1/documents/{document_id}/publicity/published", response_model=PublicityBody)
def mark_published(document_id: str, body: PublishedRequest, caller: Principal = Depends(principal),
                   svc: Service = Depends(service)) -> PublicityBody:
    _record(svc, document_id)
    last = svc.storage.stages(document_id)[-1]
    svc.publicity.published(caller.id, document_id, body.platform, body.url, body.published_at,
                            svc.storage.payload(last.payload_sha256))
    return _body(svc, document_id)


@router.post("/v1/documents/{document_id}/publicity/withdraw", response_model=PublicityBody)
def withdraw(document_id: str, body: WithdrawRequest, caller: Principal = Depends(principal),
             svc: Service = Depends(service)) -> PublicityBody:
    _record(svc, document_id)
    svc.publicity.withdraw(caller.id, document_id, body.reason, body.basis, body.changed_on)
    return _body(svc, document_id)


@router.post("/v1/documents/{document_id}/publicity/not-published", response_model=PublicityBody)
def propose_not_publishing(document_id: str, body: NotPublishRequest, caller: Principal = Depends(principal),
                           svc: Service = Depends(service)) -> PublicityBody:
    """拟不予公开: a reason, then the configured role's signed approval (…/not-published/approval)."""
    _record(svc, document_id)
    svc.withholding.propose(caller, document_id, body.reason, body.basis)
    return _body(svc, document_id)


@router.post("/v1/documents/{document_id}/publicity/not-published/approval", response_model=PublicityBody)
def approve_not_publishing(document_id: str, body: NotPublishApproval, caller: Principal = Depends(principal),
                           svc: Service = Depends(service)) -> PublicityBody:
    _record(svc, document_id)
    svc.withholding.approve(caller, document_id, body.decision, body.opinion)
    return _body(svc, document_id)
