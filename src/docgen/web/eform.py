"""The e-form: a page built from a template version's JSON Schema, and the POST that issues it.

The page carries the schema with every ``$ref`` resolved (``schema_form``) and,
in its config, the agency's working-day calendar (``calendar``: holidays and
调休 workdays); ``static/eform.js`` builds the fields, checks them as the server
would (``x-docgen-after`` counting the same working days) and keeps a draft in
a server-side draft (``/drafts``). The POST goes through ``Issuer.issue`` exactly
like ``POST /v1/documents`` (same validation, idempotency and problem+json
errors, pointers under ``/data``), authenticated by the session cookie and a
CSRF header instead of a bearer header.

Nothing is issued straight from the form: the officer first sees the pages
(``/forms/{id}/preview``, the ``Previewer`` that stores nothing and takes no
number) and then confirms, the confirmation naming the 文书编号 prefix and the
party. A draft started from the example is marked so and refused unless the
installation is a demonstration (``DOCGEN_DEMO=1``); a payload equal to one
issued in the last ``DUPLICATE_DAYS`` days needs an explicit second
confirmation that names the earlier document. None of this changes the API's
``POST /v1/documents``. Drafts live on the server (``drafts``), not in the browser.

The same e-form corrects a returned document (``/documents/{id}/resubmit``):
prefilled with the data of its latest stage, it posts to
``Approver.approve`` with ``{"stage": "issuance", "data": …}``, exactly as
``POST /v1/documents/{id}/approvals`` does, and starts the new round.
"""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..approvals import Approval
from ..catalogue import TemplateVersion
from ..drafts import Draft, party_name
from ..errors import Conflict, DocgenError, Issue, NotFound, ValidationFailed
from ..previews import data_url, page_images
from ..problems import problem
from ..jsontext import canonical_json
from ..storage import StoredDocument, StoredStage, sha256
from ..timefmt import record_time
from ..workflow import ISSUANCE, WorkflowStage
from ..voiding import refuse_if_void
from . import labels
from .context import Web
from .schema_form import resolved

ISSUER_ROLE = "case_system"
#: A payload equal to one issued this many days back asks for a second confirmation.
DUPLICATE_DAYS = 30


def act_of(release: TemplateVersion) -> str:
    """What submitting does: a one-stage instrument is 签发; a table that goes through approvals is 送审."""
    return "签发" if len(release.workflow.stages) == 1 else "送审"


class Submission(BaseModel):
    """What the e-form posts: the version it was built from, the collected data and what was confirmed."""

    model_config = ConfigDict(extra="forbid")
    version: str | None = Field(default=None, description="表单所依据的模板版本")
    data: dict[str, Any] = Field(description="案件数据")
    draft: str | None = Field(default=None, description="所依据的草稿；签发后删除")
    example: bool = Field(default=False, description="由示例数据开始：只有演示环境可以签发")
    duplicates: list[str] = Field(default_factory=list, description="已确认知悉的相同内容文书")
    case_id: str | None = Field(default=None, description="从案件打开的表单：文书记入该案件")


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str | None = Field(default=None, description="表单所依据的模板版本")
    data: dict[str, Any] = Field(description="案件数据")


class Resubmission(BaseModel):
    """What the e-form posts to correct a returned document: the round it was opened for, the data, a note."""

    model_config = ConfigDict(extra="forbid")
    round: int = Field(description="页面打开时待重新送审的轮次")
    data: dict[str, Any] = Field(description="更正后的案件数据")
    opinion: str | None = Field(default=None, description="送审说明")
    draft: str | None = Field(default=None, description="所依据的草稿；重新送审后删除")


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    catalogue, issuer = web.service.catalogue, web.service.issuer
    schemas: dict[str, dict[str, Any]] = {}

    def form_schema(key: str, schema: dict[str, Any]) -> dict[str, Any]:
        """Resolved once per version: released schemas never change."""
        if key not in schemas:
            schemas[key] = resolved(schema, catalogue.registry)
        return schemas[key]

    storage, approver, drafts, previewer = (web.service.storage, web.service.approver, web.service.drafts,
                                            web.service.previewer)

    def duplicates(template_id: str, data: Any) -> list[dict[str, Any]]:
        """Documents of this template issued in the last ``DUPLICATE_DAYS`` days with exactly this payload."""
        since = record_time(datetime.now(timezone.utc) - timedelta(days=DUPLICATE_DAYS))
        rows = storage.db.query(
            "SELECT * FROM documents WHERE template_id = ? AND payload_sha256 = ? AND created_at >= ?"
            " ORDER BY created_at DESC LIMIT 5", (template_id, sha256(canonical_json(data)), since))
        return [{"id": doc.id, "doc_number": doc.doc_number, "created_at": doc.created_at,
                 "time": labels.local_time(doc.created_at, web.zone), "page": f"/documents/{doc.id}"}
                for doc in map(StoredDocument.from_row, rows)]

    def replaying(principal_id: str, key: str | None) -> bool:
        """A retry of a request that already issued: the idempotent replay answers it, not the duplicate check."""
        if not key:
            return False
        row = storage.db.query_one("SELECT document_id FROM idempotency_keys WHERE key = ?", f"{principal_id}:{key}")
        return bool(row and row["document_id"])

    def own_draft(principal_id: str, draft_id: str | None) -> Draft | None:
        if not draft_id:
            return None
        try:
            return drafts.get(principal_id, draft_id)
        except NotFound:
            return None
    # The agency's working days, so the page's x-docgen-after counts them as the validator does.
    calendar = catalogue.calendar.to_page()

    def returned(document_id: str) -> tuple[StoredDocument, list[StoredStage], WorkflowStage, int]:
        """A document waiting for its resubmission: the document, its stages, that stage and the new round."""
        doc, stages = storage.document(document_id), storage.stages(document_id)
        refuse_if_void(doc, stages)  # a void table is never resubmitted: say why
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
            schema = form_schema(release.key, catalogue.schema(release))
        except DocgenError as exc:
            return web.error(request, exc)
        last = stages[-1].link
        reason = workflow_label(doc, last.stage)
        draft = drafts.for_document(visitor.principal.id, doc.id, round_)
        config = {"template": release.template_id, "version": release.version, "title": release.title,
                  "submit": f"/documents/{doc.id}/resubmit", "csrf": visitor.csrf,
                  "canSubmit": visitor.has(stage.role), "signedIn": True, "owner": visitor.principal.id,
                  "roleName": labels.role(stage.role), "initial": storage.payload(stages[-1].payload_sha256),
                  "drafts": "/drafts", "draft": draft.body() if draft else None, "act": "重新送审",
                  "resubmit": {"document": doc.id, "round": round_, "page": f"/documents/{doc.id}"},
                  "calendar": calendar}
        return web.page(request, "form.html", visitor=visitor, release=release, schema=schema, config=config,
                        blank_pdf=f"/v1/templates/{release.template_id}/versions/{release.version}/blank",
                        role=stage.role, doc=doc, round=round_, act="重新送审", others=[],
                        returned_by={"label": reason, "signer": last.signer_name, "decision": last.decision,
                                     "opinion": last.opinion, "time": last.time})

    def workflow_label(doc: StoredDocument, stage_id: str) -> str:
        return catalogue.get(doc.template_id, doc.template_version).workflow.label(stage_id)

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
        if body.draft:
            drafts.delete(principal.id, body.draft)
        index = signed.link.index
        return {"id": doc.id, "doc_number": doc.doc_number, "index": index, "round": signed.link.round,
                "links": {"page": f"/documents/{doc.id}?signed={doc.id}:{index}",
                          "pdf": f"/documents/{doc.id}/stages/{index}/pdf"}}

    @router.get("/forms/{template_id}", response_class=HTMLResponse)
    def form_page(request: Request, template_id: str, version: str | None = None,
                  draft: str | None = None, case: str | None = None) -> HTMLResponse:
        visitor = web.sessions.visitor(request)
        resumed = own_draft(visitor.principal.id, draft) if visitor.principal and draft else None
        try:
            release = catalogue.get(template_id, resumed.template_version if resumed else version)
            schema = form_schema(release.key, catalogue.schema(release))
            opened_from = web.service.cases.open_case(case, release.template_id) if case else None
        except DocgenError as exc:
            return web.error(request, exc)
        others = [{"id": d.id, "party": party_name(d.data), "updated_at": d.updated_at, "example": d.example,
                   "link": f"/forms/{d.template_id}?version={d.template_version}&draft={d.id}"}
                  for d in drafts.list(visitor.principal.id, release.template_id)
                  if not d.document_id and (resumed is None or d.id != resumed.id)] if visitor.principal else []
        base = f"/v1/templates/{release.template_id}/versions/{release.version}"
        act = act_of(release)
        config = {"template": release.template_id, "version": release.version, "title": release.title,
                  "submit": f"/forms/{release.template_id}", "example": f"{base}/example",
                  "preview": f"/forms/{release.template_id}/preview", "drafts": "/drafts",
                  "draft": resumed.body() if resumed else None, "draftMissing": bool(draft) and resumed is None and visitor.principal is not None,
                  "act": act, "demo": web.service.settings.demo,
                  "csrf": visitor.csrf, "canSubmit": visitor.has(ISSUER_ROLE),
                  "signedIn": visitor.principal is not None, "roleName": labels.role(ISSUER_ROLE),
                  "owner": visitor.principal.id if visitor.principal else None,
                  "calendar": calendar}
        if opened_from is not None:  # data entered once: the case's fields (and 音像记录) start filled in
            config.update(caseId=opened_from.id, caseNumber=opened_from.number,
                          initial=web.service.cases.completed(opened_from, release, {}))
        return web.page(request, "form.html", visitor=visitor, release=release, schema=schema, config=config,
                        blank_pdf=f"{base}/blank", role=ISSUER_ROLE, doc=None, act=act, others=others)

    @router.post("/forms/{template_id}/preview")
    def preview(request: Request, template_id: str, body: PreviewBody,
                x_csrf_token: str | None = Header(default=None)) -> dict[str, Any]:
        """The pages as they would be issued (watermarked 预览, nothing stored) and what to confirm."""
        web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        try:
            made = previewer.preview(template_id, body.version, body.data)
        except ValidationFailed as exc:
            raise exc.under("/data") from None
        release = catalogue.get(template_id, body.version)
        pattern = previewer.number(release.template_id, release.numbered)[0].replace("预览", "×")
        return {"pages": [data_url(png) for png in page_images(made.pdf)],
                "pdf": base64.b64encode(made.pdf).decode(), "prefix": made.prefix, "number": pattern or None,
                "party": party_name(body.data), "title": release.title, "act": act_of(release),
                "duplicates": duplicates(release.template_id, body.data), "demo": web.service.settings.demo}

    @router.post("/forms/{template_id}", status_code=201, response_model=None)
    def submit(request: Request, template_id: str, body: Submission,
               x_csrf_token: str | None = Header(default=None),
               idempotency_key: str | None = Header(default=None)) -> dict[str, Any] | JSONResponse:
        principal = web.sessions.require(request)
        web.sessions.check(request, x_csrf_token)
        principal.require(ISSUER_ROLE)
        if body.example and not web.service.settings.demo:
            raise ValidationFailed([Issue("/example", "本表单载入了示例数据（/example），示例数据不能签发：请清空后按本案"
                                                      "真实情况填写；演示环境可设置 DOCGEN_DEMO=1")])
        if not replaying(principal.id, idempotency_key):
            earlier = [d for d in duplicates(template_id, body.data) if d["id"] not in body.duplicates]
            if earlier:
                first = earlier[0]
                return problem(409, "duplicate-payload", "内容与已签发的文书相同",
                               f"相同内容已于 {first['time']} 签发为 {first['doc_number'] or '文书 ' + first['id']}，"
                               "确认不是重复签发后才能再签发一份", request.url.path, duplicates=earlier)
        try:
            issued = issuer.issue(principal.id, template_id, body.version, body.data, idempotency_key, body.case_id)
        except ValidationFailed as exc:
            raise exc.under("/data") from None
        if body.draft:
            drafts.delete(principal.id, body.draft)
        document = issued.document
        return {"id": document.id, "title": document.title, "doc_number": document.doc_number,
                "version": document.template_version, "replayed": issued.replayed,
                "links": {"page": f"/documents/{document.id}", "pdf": f"/documents/{document.id}/pdf",
                          "docx": f"/documents/{document.id}/docx"}}

    return router
