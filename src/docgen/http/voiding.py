"""Voiding (作废) a document, and the 文书编号 register that shows what became of every number."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ..chain import VoidMark
from ..principals import Principal
from ..register import tally
from ..service import Service
from .deps import principal, service
from .documents import stage_label
from .models import NumberEntryBody, NumberRegisterBody, StageBody, VoidBody, VoidStatus, problems
from .routing import StrictJSONRoute

router = APIRouter(route_class=StrictJSONRoute, tags=["作废与编号登记"], responses=problems(401, 403, 409))


class VoidRequest(BaseModel):
    """Why the document is void; printed on its 作废 stamp and kept in its chain and the register."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(description="作废原因（必填，最多 500 字）", examples=["编号误用：同一案件重复签发"])


@router.post("/v1/documents/{document_id}/void", status_code=201, response_model=VoidBody,
             responses={201: {"description": "已作废；Location 指向作废环节的 PDF"}})
def void_document(document_id: str, body: VoidRequest, response: Response, caller: Principal = Depends(principal),
                  svc: Service = Depends(service)) -> VoidBody:
    """Add a signed 作废 stage to the document's chain: 404 unknown, 403 without a ``void_roles`` role,
    422 at ``/reason``, 409 if already void (or a stage was signed meanwhile). Allowed while an approval
    is pending; nothing may be signed after it."""
    stored = svc.voider.void(caller, document_id, body.reason)
    doc = svc.storage.document(document_id)
    mark = VoidMark.of([stored.link])
    assert mark is not None
    response.headers["Location"] = f"/v1/documents/{document_id}/stages/{stored.link.index}/pdf"
    return VoidBody(document_id=doc.id, doc_number=doc.doc_number, title=doc.title, void=VoidStatus(**mark.to_dict()),
                    stage=StageBody.of(document_id, stored, stage_label(svc, doc, stored.stage)))


@router.get("/v1/numbers", response_model=NumberRegisterBody)
def number_register(prefix: str = Query(..., max_length=50, description="文书编号前缀，如 株市监处罚"),
                    year: int | None = Query(None, description="年份；缺省为本年"),
                    caller: Principal = Depends(principal), svc: Service = Depends(service)) -> NumberRegisterBody:
    """Every number of ``prefix`` in ``year``: issued, void (with reason, who, when), reserved, free."""
    year = datetime.now(svc.stages.zone).year if year is None else year
    entries = svc.register.entries(prefix, year)
    return NumberRegisterBody(prefix=prefix, year=year, numbers=[NumberEntryBody.of(e) for e in entries],
                              counts=tally(entries))
