"""Previews: a payload validated, rendered and converted, watermarked 预览, with nothing stored."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from ..errors import ValidationFailed
from ..previews import PreviewRequest
from ..principals import Principal
from ..service import Service
from .routing import StrictJSONRoute
from .deps import principal, service
from .downloads import PDF
from .models import problems

router = APIRouter(route_class=StrictJSONRoute, tags=["预览"], responses=problems(401, 403))


@router.post("/v1/previews", response_class=Response,
             responses={200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
                              "description": "带“预览”水印的 PDF，未签发"}})
def create_preview(body: PreviewRequest, caller: Principal = Depends(principal),
                   svc: Service = Depends(service)) -> Response:
    try:
        made = svc.previewer.preview(body.template, body.version, body.data)
    except ValidationFailed as exc:
        raise exc.under("/data") from None
    return Response(made.pdf, media_type=PDF, headers={
        "Cache-Control": "no-store", "Content-Disposition": "inline; filename=\"preview.pdf\""})
