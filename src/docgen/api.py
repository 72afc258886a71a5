"""The HTTP API (FastAPI). Thin: every decision is made in the modules it calls."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, Response, Security, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from .approvals import Approval
from .catalogue import Template, TemplateVersion
from .config import Settings
from .errors import BadRequest, NotFound, PayloadTooLarge, ValidationFailed, VerificationError
from .http.cases import routes as case_routes
from .http.limits import RequestGuard
from .http.routing import StrictJSONRoute
from .principals import Principal
from .problems import HANDLERS, MEDIA_TYPE
from .service import Service, authority
from .storage import StoredDocument, StoredStage, sha256
from .trust import TrustBundle
from .sandbox import SandboxError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PROBLEM = {"content": {MEDIA_TYPE: {}}, "description": "RFC 9457 problem"}
#: Longest Idempotency-Key accepted: printable ASCII, as the draft standard's examples are.
MAX_IDEMPOTENCY_KEY = 255
bearer = HTTPBearer(auto_error=False, scheme_name="token", description="主体令牌 dg_…（docgen principals add）")


def idempotency_key_of(value: str | None) -> str | None:
    """The Idempotency-Key header, checked: 1–255 printable ASCII characters."""
    if value is None:
        return None
    if not 0 < len(value) <= MAX_IDEMPOTENCY_KEY or not all(" " < c <= "~" for c in value):
        raise BadRequest(f"Idempotency-Key 应为 1 至 {MAX_IDEMPOTENCY_KEY} 个可打印 ASCII 字符")
    return value


class DocumentRequest(BaseModel):
    """A request to issue a document from a template version."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(description="模板标识，如 penalty-decision")
    version: str | None = Field(default=None, description="模板版本；缺省为现行版本")
    data: dict[str, Any] = Field(description="案件数据，须符合该模板版本的 JSON Schema")
    case_id: str | None = Field(default=None, description="所属案件：案件数据填入未给出的字段，文书记入该案件")


def content_disposition(filename: str) -> str:
    """RFC 6266/5987: an ASCII fallback plus the UTF-8 Chinese name."""
    fallback = "".join(c if c.isascii() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def download(request: Request, data: bytes, digest: str, media_type: str, filename: str) -> Response:
    """Stored bytes with a strong ETag (their sha256); a matching If-None-Match gets 304."""
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=31536000, immutable"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = content_disposition(filename)
    return Response(data, media_type=media_type, headers=headers)


def template_summary(template: Template) -> dict[str, Any]:
    base = f"/v1/templates/{template.template_id}"
    return {
        "id": template.template_id, "title": template.title, "kind": template.kind,
        "numbered": template.numbered, "current_version": template.current.version,
        "versions": [{"version": v.version, "status": v.status} for v in template.versions],
        "links": {"self": base},
    }


def version_detail(release: TemplateVersion) -> dict[str, Any]:
    base = f"/v1/templates/{release.template_id}/versions/{release.version}"
    return {**release.summary(), "links": {
        "schema": f"{base}/schema", "example": f"{base}/example",
        "blank_pdf": f"{base}/blank", "blank_docx": f"{base}/blank?format=docx"}}


def stage_body(document_id: str, stage: StoredStage, label: str) -> dict[str, Any]:
    link = stage.link
    return {
        "index": link.index, "round": link.round, "stage": link.stage, "label": label, "role": link.role,
        "signer": link.signer_name, "principal_id": link.principal_id,
        "certificate_sha256": link.certificate_sha256, "decision": link.decision, "opinion": link.opinion,
        "time": link.time, "sha256": stage.pdf_sha256, "link_sha256": link.link_sha256,
        "links": {"pdf": f"/v1/documents/{document_id}/stages/{link.index}/pdf"},
    }


def document_body(doc: StoredDocument, stages: list[StoredStage]) -> dict[str, Any]:
    base = f"/v1/documents/{doc.id}"
    latest = stages[-1]
    return {
        "id": doc.id, "template": doc.template_id, "version": doc.template_version,
        "title": doc.title, "doc_number": doc.doc_number, "sha256": latest.pdf_sha256,
        "docx_sha256": latest.docx_sha256, "payload_sha256": latest.payload_sha256,
        "template_sha256": doc.template_sha256, "created_at": doc.created_at, "created_by": doc.created_by,
        "stage_count": len(stages), "review_due": doc.review_due,
        "links": {"self": base, "pdf": f"{base}/pdf", "docx": f"{base}/docx", "stages": f"{base}/stages",
                  "approvals": f"{base}/approvals"},
    }


def document_filename(doc: StoredDocument, extension: str, suffix: str = "") -> str:
    return f"{doc.title}-{doc.doc_number or doc.id[:8]}{suffix}.{extension}".replace("/", "／")


class ApprovalRequest(BaseModel):
    """One signature stage: the stage being signed, the decision and the opinion."""

    model_config = ConfigDict(extra="forbid")
    stage: str = Field(description="环节标识，如 legal_review")
    decision: str | None = Field(default=None, description="决定，如 同意、补充调查")
    opinion: str | None = Field(default=None, description="意见或理由")
    data: dict[str, Any] | None = Field(default=None, description="退回后重新送审时更正的案件数据")


def create_app(settings: Settings) -> FastAPI:
    service = Service(settings, authority(settings, create=True))
    service.claim()
    catalogue, storage, pool, issuer = service.catalogue, service.storage, service.pool, service.issuer

    def principal(request: Request,
                  _: HTTPAuthorizationCredentials | None = Security(bearer)) -> Principal:
        """The caller; ``RequestGuard`` already authenticated writes before their body was read."""
        known = getattr(request.state, "principal", None)
        if known is not None:
            return known
        return service.principals.authenticate(request.headers.get("authorization"))


    def label(doc: StoredDocument, stage_id: str) -> str:
        stage = catalogue.get(doc.template_id, doc.template_version).workflow.stage(stage_id)
        return stage.label if stage else stage_id

    def stages_of(document_id: str) -> tuple[StoredDocument, list[StoredStage]]:
        return storage.document(document_id), storage.stages(document_id)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not service.principals.any():
            logging.getLogger("docgen").warning(
                "还没有任何主体：运行 docgen --data-dir %s principals add --name 名称 --role case_system --json "
                "取得令牌", settings.data_dir)
        service.sandbox.start()
        pool.start()
        try:
            yield
        finally:
            pool.close()
            service.sandbox.close()

    app = FastAPI(title="docgen 执法文书服务", version="0.1.0", lifespan=lifespan,
                  responses={code: PROBLEM for code in (400, 401, 403, 404, 409, 413, 415, 422, 503, 507)})
    app.router.route_class = StrictJSONRoute
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
    app.add_middleware(RequestGuard, limits=settings.limits, authenticate=service.principals.authenticate)
    app.state.service = service

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        space = storage.space(settings.limits.min_free)
        checks = {"converters": pool.alive(), "storage": storage.writable(), "free_bytes": space.free,
                  "disk": space.enough}
        ready = checks["converters"] > 0 and checks["storage"] and space.enough
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                            status_code=200 if ready else 503)

    @app.get("/v1/templates")
    def list_templates() -> list[dict[str, Any]]:
        return [template_summary(t) for t in catalogue.templates.values()]

    @app.get("/v1/templates/{template_id}")
    def get_template(template_id: str) -> dict[str, Any]:
        template = catalogue.template(template_id)
        summary = template_summary(template)
        summary["versions"] = [version_detail(v) for v in template.versions]
        return summary

    @app.get("/v1/templates/{template_id}/versions/{version}/schema")
    def get_schema(template_id: str, version: str) -> JSONResponse:
        return JSONResponse(catalogue.get(template_id, version).schema, media_type="application/schema+json")

    @app.get("/v1/templates/{template_id}/versions/{version}/example")
    def get_example(template_id: str, version: str) -> dict[str, Any]:
        return catalogue.get(template_id, version).example

    @app.get("/v1/templates/{template_id}/versions/{version}/blank",
             responses={200: {"content": {PDF: {}, DOCX: {}}}})
    def get_blank(request: Request, template_id: str, version: str,
                  format: Literal["pdf", "docx"] = Query("pdf")) -> Response:
        release = catalogue.get(template_id, version)
        docx, pdf = issuer.blank(release)
        data, media_type = (docx, DOCX) if format == "docx" else (pdf, PDF)
        return download(request, data, sha256(data), media_type, f"{release.title}（空白）.{format}")

    @app.post("/v1/documents", status_code=201, responses={201: {"description": "已签发"}})
    def create_document(body: DocumentRequest, response: Response, caller: Principal = Depends(principal),
                        idempotency_key: str | None = Header(default=None, max_length=MAX_IDEMPOTENCY_KEY)
                        ) -> dict[str, Any]:
        caller.require("case_system")
        key = idempotency_key_of(idempotency_key)
        try:
            issued = issuer.issue(caller.id, body.template, body.version, body.data, key, body.case_id)
        except ValidationFailed as exc:
            raise exc.under("/data") from None
        response.headers["Location"] = f"/v1/documents/{issued.document.id}"
        if issued.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return document_body(issued.document, storage.stages(issued.document.id))

    @app.get("/v1/documents/{document_id}")
    def get_document(document_id: str, caller: Principal = Depends(principal)) -> dict[str, Any]:
        doc, stages = stages_of(document_id)
        step = service.approver.expected(doc, stages)
        return {**document_body(doc, stages), "data": storage.payload(stages[-1].payload_sha256),
                "stages": [stage_body(doc.id, s, label(doc, s.stage)) for s in stages],
                "next_stage": {"stage": step[0].id, "label": step[0].label, "role": step[0].role,
                               "round": step[1], "decisions": list(step[0].decisions)} if step else None}

    @app.get("/v1/documents/{document_id}/pdf", responses={200: {"content": {PDF: {}}}})
    def get_pdf(request: Request, document_id: str, caller: Principal = Depends(principal)) -> Response:
        doc, stages = stages_of(document_id)
        return stage_download(request, doc, stages[-1], "pdf")

    @app.get("/v1/documents/{document_id}/docx", responses={200: {"content": {DOCX: {}}}})
    def get_docx(request: Request, document_id: str, caller: Principal = Depends(principal)) -> Response:
        doc, stages = stages_of(document_id)
        return stage_download(request, doc, stages[-1], "docx")

    @app.get("/v1/documents/{document_id}/stages")
    def get_stages(document_id: str, caller: Principal = Depends(principal)) -> list[dict[str, Any]]:
        doc, stages = stages_of(document_id)
        return [stage_body(doc.id, s, label(doc, s.stage)) for s in stages]

    @app.get("/v1/documents/{document_id}/stages/{index}/pdf", responses={200: {"content": {PDF: {}}}})
    def get_stage_pdf(request: Request, document_id: str, index: int, caller: Principal = Depends(principal)) -> Response:
        doc, stages = stages_of(document_id)
        if not 0 <= index < len(stages):
            raise NotFound(f"文书 {document_id} 没有环节 {index}")
        return stage_download(request, doc, stages[index], "pdf", f"-{index}-{label(doc, stages[index].stage)}")

    def stage_download(request: Request, doc: StoredDocument, stage: StoredStage, kind: str,
                       suffix: str = "") -> Response:
        digest = stage.pdf_sha256 if kind == "pdf" else stage.docx_sha256
        return download(request, storage.blobs.get(digest), digest, PDF if kind == "pdf" else DOCX,
                        document_filename(doc, kind, suffix))

    @app.post("/v1/documents/{document_id}/approvals", status_code=201)
    def approve(document_id: str, body: ApprovalRequest, response: Response, caller: Principal = Depends(principal)) -> dict[str, Any]:
        stored = service.approver.approve(caller, document_id, Approval(**body.model_dump()))
        doc = storage.document(document_id)
        response.headers["Location"] = f"/v1/documents/{document_id}/stages/{stored.link.index}/pdf"
        return stage_body(document_id, stored, label(doc, stored.stage))

    @app.get("/v1/trust")
    def trust() -> Response:
        return Response(service.trust_bundle().to_json(), media_type="application/json")

    @app.post("/v1/verify")
    async def verify_files(files: list[UploadFile] = File(..., min_length=1, description="一个或多个环节 PDF"),
                           trust: UploadFile | None = File(default=None, description="信任包（缺省为本机的）"),
                           complete: bool = Form(default=False, description="同时检查完整性：每个环节都有文件、"
                                                                              "审批流程已完成"),
                           ) -> dict[str, Any]:
        if len(files) > settings.limits.verify_files:
            raise PayloadTooLarge(f"一次最多验证 {settings.limits.verify_files} 个文件，收到 {len(files)} 个")
        if trust:
            trust_json = await trust.read()
            TrustBundle.from_json(trust_json)  # a malformed bundle is a 422 here, before any work
        else:
            trust_json = service.trust_bundle().to_json()
        pdfs = [(f.filename or f"file-{n}.pdf", await f.read()) for n, f in enumerate(files)]
        try:
            report = await service.verify(pdfs, trust_json, complete)
        except SandboxError as exc:
            raise VerificationError(f"无法在限额内完成验证：{exc}") from None
        return {**report.to_dict(), "status": report.status(), "summary": report.describe()}

    app.include_router(case_routes(service))
    from .web import STATIC_DIR, router as web_router  # here, not at the top: the pages reuse this module
    app.include_router(web_router(service))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
