"""Approvals: sign the next stage of a document's workflow."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from ..approvals import Approval
from ..principals import Principal
from ..service import Service
from .routing import StrictJSONRoute
from .deps import principal, service
from .documents import stage_label
from .models import problems, StageBody

router = APIRouter(route_class=StrictJSONRoute, tags=["审批"], responses=problems(401, 403, 409))


class ApprovalRequest(BaseModel):
    """One signature stage: the stage being signed, the decision and the opinion."""

    model_config = ConfigDict(extra="forbid")
    stage: str = Field(description="环节标识，如 legal_review")
    decision: str | None = Field(default=None, description="决定，如 同意、补充调查")
    opinion: str | None = Field(default=None, description="意见或理由")
    data: dict[str, Any] | None = Field(default=None, description="退回后重新送审时更正的案件数据")


@router.post("/v1/documents/{document_id}/approvals", status_code=201, response_model=StageBody,
             responses={201: {"description": "已签署；Location 指向该环节的 PDF"}})
def approve(document_id: str, body: ApprovalRequest, response: Response, caller: Principal = Depends(principal),
            svc: Service = Depends(service)) -> StageBody:
    stored = svc.approver.approve(caller, document_id, Approval(**body.model_dump()))
    doc = svc.storage.document(document_id)
    response.headers["Location"] = f"/v1/documents/{document_id}/stages/{stored.link.index}/pdf"
    return StageBody.of(document_id, stored, stage_label(svc, doc, stored.stage))
