"""Drafts: an officer's unfinished e-form data, kept per principal on the server."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from ..drafts import DraftCreate, DraftUpdate
from ..errors import NotFound
from ..principals import Principal
from ..service import Service
from .routing import StrictJSONRoute
from .deps import principal, service
from .models import problems

router = APIRouter(route_class=StrictJSONRoute, prefix="/v1/drafts", tags=["草稿"],
                   responses=problems(401, 403, 409))


@router.post("", status_code=201, response_model=dict[str, Any])
def create(body: DraftCreate, response: Response, caller: Principal = Depends(principal),
           svc: Service = Depends(service)) -> dict[str, Any]:
    draft = svc.drafts.create(caller.id, body.template, body.version, body.data, example=body.example,
                              document_id=body.document, round_=body.round, note=body.note)
    response.headers["Location"] = f"/v1/drafts/{draft.id}"
    return draft.body()


@router.get("", response_model=list[dict[str, Any]])
def list_drafts(template: str | None = None, caller: Principal = Depends(principal),
                svc: Service = Depends(service)) -> list[dict[str, Any]]:
    return [d.summary() for d in svc.drafts.list(caller.id, template)]


@router.get("/{draft_id}", response_model=dict[str, Any])
def get(draft_id: str, caller: Principal = Depends(principal), svc: Service = Depends(service)) -> dict[str, Any]:
    return svc.drafts.get(caller.id, draft_id).body()


@router.put("/{draft_id}", response_model=dict[str, Any])
def update(draft_id: str, body: DraftUpdate, caller: Principal = Depends(principal),
           svc: Service = Depends(service)) -> dict[str, Any]:
    return svc.drafts.update(caller.id, draft_id, body.data, example=body.example, note=body.note).body()


@router.delete("/{draft_id}", status_code=204, response_class=Response,
               responses={204: {"description": "已删除"}})
def delete(draft_id: str, caller: Principal = Depends(principal), svc: Service = Depends(service)) -> Response:
    if not svc.drafts.delete(caller.id, draft_id):
        raise NotFound(f"没有草稿 {draft_id}")
    return Response(status_code=204)
