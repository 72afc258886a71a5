"""Documents: issue one (stage 0), read it, download its PDF, DOCX and every stage's PDF."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import BadRequest, NotFound, ValidationFailed
from ..principals import Principal
from ..service import Service
from ..storage import StoredDocument, StoredStage
from .routing import StrictJSONRoute
from .deps import principal, service
from .downloads import DOCX, PDF, document_filename, download
from .models import problems, DocumentBody, DocumentDetail, NextStage, StageBody

router = APIRouter(route_class=StrictJSONRoute, tags=["文书"], responses=problems(401, 403, 409))
#: Longest Idempotency-Key accepted: printable ASCII, as the draft standard's examples are.
MAX_IDEMPOTENCY_KEY = 255
BINARY = {"schema": {"type": "string", "format": "binary"}}


class DocumentRequest(BaseModel):
    """A request to issue a document from a template version."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(description="模板标识，如 penalty-decision")
    version: str | None = Field(default=None, description="模板版本；缺省为现行版本")
    data: dict[str, Any] = Field(description="案件数据，须符合该模板版本的 JSON Schema")
    case_id: str | None = Field(default=None, description="所属案件：案件数据填入未给出的字段，文书记入该案件")


def idempotency_key_of(value: str | None) -> str | None:
    """The Idempotency-Key header, checked: 1–255 printable ASCII characters."""
    if value is None:
        return None
    if not 0 < len(value) <= MAX_IDEMPOTENCY_KEY or not all(" " < c <= "~" for c in value):
        raise BadRequest(f"Idempotency-Key 应为 1 至 {MAX_IDEMPOTENCY_KEY} 个可打印 ASCII 字符")
    return value


def stage_label(svc: Service, doc: StoredDocument, stage_id: str) -> str:
    return svc.catalogue.get(doc.template_id, doc.template_version).workflow.label(stage_id)


def stage_bodies(svc: Service, doc: StoredDocument, stages: list[StoredStage]) -> list[StageBody]:
    return [StageBody.of(doc.id, s, stage_label(svc, doc, s.stage)) for s in stages]


@router.post("/v1/documents", status_code=201, response_model=DocumentBody,
             responses={201: {"description": "已签发；Location 指向文书"}})
def create_document(body: DocumentRequest, response: Response, caller: Principal = Depends(principal),
                    idempotency_key: str | None = Header(default=None, max_length=MAX_IDEMPOTENCY_KEY),
                    svc: Service = Depends(service)) -> DocumentBody:
    caller.require("case_system")
    key = idempotency_key_of(idempotency_key)
    try:
        issued = svc.issuer.issue(caller.id, body.template, body.version, body.data, key, body.case_id)
    except ValidationFailed as exc:
        raise exc.under("/data") from None
    response.headers["Location"] = f"/v1/documents/{issued.document.id}"
    if issued.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return DocumentBody.of(issued.document, svc.storage.stages(issued.document.id))


@router.get("/v1/documents/{document_id}", response_model=DocumentDetail)
def get_document(document_id: str, caller: Principal = Depends(principal),
                 svc: Service = Depends(service)) -> DocumentDetail:
    doc, stages = svc.storage.document(document_id), svc.storage.stages(document_id)
    return DocumentDetail(**DocumentBody.of(doc, stages).model_dump(),
                          data=svc.storage.payload(stages[-1].payload_sha256),
                          stages=stage_bodies(svc, doc, stages),
                          next_stage=NextStage.of(svc.approver.expected(doc, stages)))


def stage_download(request: Request, svc: Service, doc: StoredDocument, stage: StoredStage, kind: str,
                   suffix: str = "") -> Response:
    digest = stage.pdf_sha256 if kind == "pdf" else stage.docx_sha256
    return download(request, svc.storage.blobs.get(digest), digest, PDF if kind == "pdf" else DOCX,
                    document_filename(doc, kind, suffix))


@router.get("/v1/documents/{document_id}/pdf", response_class=Response,
            responses={200: {"content": {PDF: BINARY}, "description": "最新环节的 PDF（存储的原始字节）"}})
def get_pdf(request: Request, document_id: str, caller: Principal = Depends(principal),
            svc: Service = Depends(service)) -> Response:
    doc, stages = svc.storage.document(document_id), svc.storage.stages(document_id)
    return stage_download(request, svc, doc, stages[-1], "pdf")


@router.get("/v1/documents/{document_id}/docx", response_class=Response,
            responses={200: {"content": {DOCX: BINARY}, "description": "最新环节的 DOCX"}})
def get_docx(request: Request, document_id: str, caller: Principal = Depends(principal),
             svc: Service = Depends(service)) -> Response:
    doc, stages = svc.storage.document(document_id), svc.storage.stages(document_id)
    return stage_download(request, svc, doc, stages[-1], "docx")


@router.get("/v1/documents/{document_id}/stages", response_model=list[StageBody])
def get_stages(document_id: str, caller: Principal = Depends(principal),
               svc: Service = Depends(service)) -> list[StageBody]:
    doc, stages = svc.storage.document(document_id), svc.storage.stages(document_id)
    return stage_bodies(svc, doc, stages)


@router.get("/v1/documents/{document_id}/stages/{index}/pdf", response_class=Response,
            responses={200: {"content": {PDF: BINARY}, "description": "该环节的 PDF"}})
def get_stage_pdf(request: Request, document_id: str, index: int, caller: Principal = Depends(principal),
                  svc: Service = Depends(service)) -> Response:
    doc, stages = svc.storage.document(document_id), svc.storage.stages(document_id)
    if not 0 <= index < len(stages):
        raise NotFound(f"文书 {document_id} 没有环节 {index}")
    return stage_download(request, svc, doc, stages[index], "pdf",
                          f"-{index}-{stage_label(svc, doc, stages[index].stage)}")
