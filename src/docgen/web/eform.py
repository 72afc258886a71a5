"""The e-form: a page built from a template version's JSON Schema, and the POST that issues it.

The page carries the schema with every ``$ref`` resolved (``schema_form``);
``static/eform.js`` builds the fields, checks them as the server would and
keeps a draft in localStorage. The POST goes through ``Issuer.issue`` exactly
like ``POST /v1/documents`` (same validation, idempotency and problem+json
errors, pointers under ``/data``), authenticated by the session cookie and a
CSRF header instead of a bearer header.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import DocgenError, ValidationFailed
from .context import Web
from .schema_form import resolved

ISSUER_ROLE = "case_system"


class Submission(BaseModel):
    """What the e-form posts: the version it was built from and the collected data."""

    model_config = ConfigDict(extra="forbid")
    version: str | None = Field(default=None, description="表单所依据的模板版本")
    data: dict[str, Any] = Field(description="案件数据")


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    catalogue, issuer = web.service.catalogue, web.service.issuer
    schemas: dict[str, dict[str, Any]] = {}

    def form_schema(key: str, schema: dict[str, Any]) -> dict[str, Any]:
        """Resolved once per version: released schemas never change."""
        if key not in schemas:
            schemas[key] = resolved(schema, catalogue.registry)
        return schemas[key]

    @router.get("/forms/{template_id}", response_class=HTMLResponse)
    def form_page(request: Request, template_id: str, version: str | None = None) -> HTMLResponse:
        try:
            release = catalogue.get(template_id, version)
            schema = form_schema(release.key, release.schema)
        except DocgenError as exc:
            return web.error(request, exc)
        visitor = web.sessions.visitor(request)
        base = f"/v1/templates/{release.template_id}/versions/{release.version}"
        config = {"template": release.template_id, "version": release.version, "title": release.title,
                  "submit": f"/forms/{release.template_id}", "example": f"{base}/example",
                  "csrf": visitor.csrf, "canSubmit": visitor.has(ISSUER_ROLE),
                  "signedIn": visitor.principal is not None}
        return web.page(request, "form.html", visitor=visitor, release=release, schema=schema, config=config,
                        blank_pdf=f"{base}/blank", role=ISSUER_ROLE)

    @router.post("/forms/{template_id}", status_code=201)
    def submit(request: Request, template_id: str, body: Submission,
               x_csrf_token: str | None = Header(default=None),
               idempotency_key: str | None = Header(default=None)) -> dict[str, Any]:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        principal.require(ISSUER_ROLE)
        try:
            issued = issuer.issue(principal.id, template_id, body.version, body.data, idempotency_key)
        except ValidationFailed as exc:
            raise exc.under("/data") from None
        document = issued.document
        return {"id": document.id, "title": document.title, "doc_number": document.doc_number,
                "version": document.template_version, "replayed": issued.replayed,
                "links": {"page": f"/documents/{document.id}", "pdf": f"/documents/{document.id}/pdf",
                          "docx": f"/documents/{document.id}/docx"}}

    return router
