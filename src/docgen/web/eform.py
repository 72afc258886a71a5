"""The e-form: a page built from a template version's JSON Schema, and the POST that issues it.

The page carries the schema with every ``$ref`` resolved (``schema_form``) and,
in its config, the agency's working-day calendar (``calendar``: holidays and
调休 workdays); ``static/eform.js`` builds the fields, checks them as the server
would (``x-docgen-after`` counting the same working days) and keeps a draft in
localStorage. The POST goes through ``Issuer.issue`` exactly
like ``POST /v1/documents`` (same validation, idempotency and problem+json
errors, pointers under ``/data``), authenticated by the session cookie and a
CSRF header instead of a bearer header.

The same e-form corrects a returned document (``/documents/{id}/resubmit``):
prefilled with the data of its latest stage, it posts to
``Approver.approve`` with ``{"stage": "issuance", "data": …}``, exactly as
``POST /v1/documents/{id}/approvals`` does, and starts the new round.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ..approvals import Approval
from ..cases.fill import case_fields
from ..errors import Conflict, DocgenError, ValidationFailed
from ..storage import StoredDocument, StoredStage
from ..workflow import ISSUANCE, WorkflowStage
from . import labels
from .context import Web
from .schema_form import resolved

ISSUER_ROLE = "case_system"


class Submission(BaseModel):
    """What the e-form posts: the version it was built from and the collected data."""

    model_config = ConfigDict(extra="forbid")
    version: str | None = Field(default=None, description="表单所依据的模板版本")
    data: dict[str, Any] = Field(description="案件数据")
    case_id: str | None = Field(default=None, description="从案件打开的表单：文书记入该案件")


class Resubmission(BaseModel):
    """What the e-form posts to correct a returned document: the round it was opened for, the data, a note."""

    model_config = ConfigDict(extra="forbid")
    round: int = Field(description="页面打开时待重新送审的轮次")
    data: dict[str, Any] = Field(description="更正后的案件数据")
    opinion: str | None = Field(default=None, description="送审说明")


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    catalogue, issuer = web.service.catalogue, web.service.issuer
    schemas: dict[str, dict[str, Any]] = {}

    def form_schema(key: str, schema: dict[str, Any]) -> dict[str, Any]:
        """Resolved once per version: released schemas never change."""
        if key not in schemas:
            schemas[key] = resolved(schema, catalogue.registry)
        return schemas[key]

    storage, approver = web.service.storage, web.service.approver
    # The agency's working days, so the page's x-docgen-after counts them as the validator does.
    calendar = catalogue.calendar.to_config()

    def returned(document_id: str) -> tuple[StoredDocument, list[StoredStage], WorkflowStage, int]:
        """A document waiting for its resubmission: the document, its stages, that stage and the new round."""
        doc, stages = storage.document(document_id), storage.stages(document_id)
        step = approver.expected(doc, stages)
        if step is None or step[0].id != ISSUANCE:
            raise Conflict(f"文书 {doc.doc_number or doc.id} 当前不在退回待重新送审状态")
        return doc, stages, step[0], step[1]

    @router.get("/documents/{document_id}/resubmit", response_class=HTMLResponse)
    def resubmit_page(request: Request, document_id: str) -> Response:
        visitor = web.sessions.visitor(request)
        if visitor.principal is None:
            return web.to_login(request)
        try:
            doc, stages, stage, round_ = returned(document_id)
            release = catalogue.get(doc.template_id, doc.template_version)
            schema = form_schema(release.key, release.schema)
        except DocgenError as exc:
            return web.error(request, exc)
        last = stages[-1].link
        reason = workflow_label(doc, last.stage)
        config = {"template": release.template_id, "version": release.version, "title": release.title,
                  "submit": f"/documents/{doc.id}/resubmit", "csrf": visitor.csrf,
                  "canSubmit": visitor.has(stage.role), "signedIn": visitor.principal is not None,
                  "roleName": labels.role(stage.role), "initial": storage.payload(stages[-1].payload_sha256),
                  "draftKey": f"docgen.resubmit.{doc.id}.{round_}",
                  "resubmit": {"document": doc.id, "round": round_, "page": f"/documents/{doc.id}"},
                  "calendar": calendar}
        return web.page(request, "form.html", visitor=visitor, release=release, schema=schema, config=config,
                        blank_pdf=f"/v1/templates/{release.template_id}/versions/{release.version}/blank",
                        role=stage.role, doc=doc, round=round_,
                        returned_by={"label": reason, "signer": last.signer_name, "decision": last.decision,
                                     "opinion": last.opinion, "time": last.time})

    def workflow_label(doc: StoredDocument, stage_id: str) -> str:
        stage = catalogue.get(doc.template_id, doc.template_version).workflow.stage(stage_id)
        return stage.label if stage else stage_id

    @router.post("/documents/{document_id}/resubmit", status_code=201)
    def resubmit(request: Request, document_id: str, body: Resubmission,
                 x_csrf_token: str | None = Header(default=None)) -> dict[str, Any]:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        doc, _, _, round_ = returned(document_id)
        if body.round != round_:
            raise Conflict(f"本页面打开后文书已经变化（现为第 {round_} 轮），请刷新页面后重新核对")
        opinion = body.opinion if body.opinion and body.opinion.strip() else None
        signed = approver.approve(principal, doc.id, Approval(stage=ISSUANCE, opinion=opinion, data=body.data))
        index = signed.link.index
        return {"id": doc.id, "doc_number": doc.doc_number, "index": index, "round": signed.link.round,
                "links": {"page": f"/documents/{doc.id}?signed={doc.id}:{index}",
                          "pdf": f"/documents/{doc.id}/stages/{index}/pdf"}}

    @router.get("/forms/{template_id}", response_class=HTMLResponse)
    def form_page(request: Request, template_id: str, version: str | None = None,
                  case: str | None = None) -> HTMLResponse:
        try:
            release = catalogue.get(template_id, version)
            schema = form_schema(release.key, release.schema)
            opened_from = web.service.cases.open_case(case) if case else None
        except DocgenError as exc:
            return web.error(request, exc)
        visitor = web.sessions.visitor(request)
        base = f"/v1/templates/{release.template_id}/versions/{release.version}"
        config = {"template": release.template_id, "version": release.version, "title": release.title,
                  "submit": f"/forms/{release.template_id}", "example": f"{base}/example",
                  "csrf": visitor.csrf, "canSubmit": visitor.has(ISSUER_ROLE),
                  "signedIn": visitor.principal is not None, "roleName": labels.role(ISSUER_ROLE),
                  "calendar": calendar}
        if opened_from is not None:  # data entered once: the case's fields start filled in
            config.update(caseId=opened_from.id, caseNumber=opened_from.number,
                          initial=case_fields(opened_from, release),
                          draftKey=f"docgen.draft.{release.template_id}@{release.version}.{opened_from.id}")
        return web.page(request, "form.html", visitor=visitor, release=release, schema=schema, config=config,
                        blank_pdf=f"{base}/blank", role=ISSUER_ROLE, doc=None)

    @router.post("/forms/{template_id}", status_code=201)
    def submit(request: Request, template_id: str, body: Submission,
               x_csrf_token: str | None = Header(default=None),
               idempotency_key: str | None = Header(default=None)) -> dict[str, Any]:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        principal.require(ISSUER_ROLE)
        try:
            issued = issuer.issue(principal.id, template_id, body.version, body.data, idempotency_key, body.case_id)
        except ValidationFailed as exc:
            raise exc.under("/data") from None
        document = issued.document
        return {"id": document.id, "title": document.title, "doc_number": document.doc_number,
                "version": document.template_version, "replayed": issued.replayed,
                "links": {"page": f"/documents/{document.id}", "pdf": f"/documents/{document.id}/pdf",
                          "docx": f"/documents/{document.id}/docx"}}

    return router
