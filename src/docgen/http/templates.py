"""The catalogue: templates, their versions, schemas a client can resolve, examples and blank forms."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from ..service import Service
from ..storage import sha256
from .routing import StrictJSONRoute
from .deps import service
from .downloads import DOCX, PDF, download
from .models import TemplateDetail, TemplateSummary

router = APIRouter(route_class=StrictJSONRoute, tags=["模板"])
SCHEMA = {"content": {"application/schema+json": {"schema": {"type": "object"}}},
          "description": "JSON Schema 2020-12"}


def public_base(request: Request, svc: Service) -> str:
    """Where clients reach this service: ``DOCGEN_PUBLIC_URL``, else the request's own base URL."""
    return svc.settings.public_url or str(request.base_url).rstrip("/")


@router.get("/v1/templates", response_model=list[TemplateSummary])
def list_templates(svc: Service = Depends(service)) -> list[TemplateSummary]:
    return [TemplateSummary.of(t) for t in svc.catalogue.templates.values()]


@router.get("/v1/templates/{template_id}", response_model=TemplateDetail)
def get_template(template_id: str, svc: Service = Depends(service)) -> TemplateDetail:
    return TemplateDetail.of(svc.catalogue.template(template_id))


@router.get("/v1/templates/{template_id}/versions/{version}/schema", response_class=JSONResponse,
            responses={200: SCHEMA})
def get_schema(request: Request, template_id: str, version: str,
               bundle: bool = Query(True, description="true：共享定义内嵌于 $defs（自包含）；"
                                                      "false：$ref 指向 /v1/schemas/_defs/{v}"),
               svc: Service = Depends(service)) -> JSONResponse:
    schema = svc.schemas.template(svc.catalogue.get(template_id, version), public_base(request, svc), bundle)
    return JSONResponse(schema, media_type="application/schema+json")


@router.get("/v1/schemas/_defs/{version}", response_class=JSONResponse, responses={200: SCHEMA})
def get_shared_definitions(request: Request, version: str, svc: Service = Depends(service)) -> JSONResponse:
    return JSONResponse(svc.schemas.shared(version, public_base(request, svc)), media_type="application/schema+json")


@router.get("/v1/templates/{template_id}/versions/{version}/example", response_model=dict[str, Any])
def get_example(template_id: str, version: str, svc: Service = Depends(service)) -> dict[str, Any]:
    return svc.catalogue.get(template_id, version).example


@router.get("/v1/templates/{template_id}/versions/{version}/blank", response_class=Response,
            responses={200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}},
                                         DOCX: {"schema": {"type": "string", "format": "binary"}}},
                             "description": "空白文书"}})
def get_blank(request: Request, template_id: str, version: str,
              format: Literal["pdf", "docx"] = Query("pdf"), svc: Service = Depends(service)) -> Response:
    release = svc.catalogue.get(template_id, version)
    docx, pdf = svc.issuer.blank(release)
    data, media_type = (docx, DOCX) if format == "docx" else (pdf, PDF)
    return download(request, data, sha256(data), media_type, f"{release.title}（空白）.{format}")
