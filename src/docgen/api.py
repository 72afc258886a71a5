"""The HTTP API (FastAPI). Thin: every decision is made in the modules it calls."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Literal
from urllib.parse import quote

from fastapi import FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from .catalogue import Catalogue, Template, TemplateVersion
from .config import Settings
from .conversion import ConverterPool
from .errors import ValidationFailed
from .issuance import Issuer
from .problems import HANDLERS, MEDIA_TYPE
from .storage import Storage, StoredDocument, sha256

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PROBLEM = {"content": {MEDIA_TYPE: {}}, "description": "RFC 9457 problem"}


class DocumentRequest(BaseModel):
    """A request to issue a document from a template version."""

    model_config = ConfigDict(extra="forbid")
    template: str = Field(description="模板标识，如 penalty-decision")
    version: str | None = Field(default=None, description="模板版本；缺省为现行版本")
    data: dict[str, Any] = Field(description="案件数据，须符合该模板版本的 JSON Schema")


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


def document_body(doc: StoredDocument) -> dict[str, Any]:
    base = f"/v1/documents/{doc.id}"
    return {
        "id": doc.id, "template": doc.template_id, "version": doc.template_version,
        "title": doc.title, "doc_number": doc.doc_number, "sha256": doc.pdf_sha256,
        "docx_sha256": doc.docx_sha256, "payload_sha256": doc.payload_sha256,
        "template_sha256": doc.template_sha256, "created_at": doc.created_at,
        "links": {"self": base, "pdf": f"{base}/pdf", "docx": f"{base}/docx"},
    }


def document_filename(doc: StoredDocument, extension: str) -> str:
    return f"{doc.title}-{doc.doc_number or doc.id[:8]}.{extension}".replace("/", "／")


def create_app(settings: Settings) -> FastAPI:
    catalogue = Catalogue(settings.catalogue_dir)
    catalogue.verify()
    storage = Storage(settings.data_dir, settings.database_path)
    pool = ConverterPool(
        settings.converters, settings.data_dir / "converters",
        recycle_after=settings.recycle_after, timeout=settings.conversion_timeout,
        queue_limit=settings.queue_limit, queue_timeout=settings.queue_timeout,
        uno_python=settings.uno_python,
    )
    issuer = Issuer(catalogue, storage, pool, settings.agency)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool.start()
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="docgen 执法文书服务", version="0.1.0", lifespan=lifespan,
                  responses={422: PROBLEM, 404: PROBLEM, 503: PROBLEM})
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
    app.state.issuer = issuer

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        checks = {"converters": pool.alive(), "storage": storage.writable()}
        ready = checks["converters"] > 0 and checks["storage"]
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
    def create_document(body: DocumentRequest, response: Response,
                        idempotency_key: str | None = Header(default=None)) -> dict[str, Any]:
        try:
            issued = issuer.issue(body.template, body.version, body.data, idempotency_key)
        except ValidationFailed as exc:
            raise exc.under("/data") from None
        response.headers["Location"] = f"/v1/documents/{issued.document.id}"
        if issued.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return document_body(issued.document)

    @app.get("/v1/documents/{document_id}")
    def get_document(document_id: str) -> dict[str, Any]:
        doc = storage.document(document_id)
        return {**document_body(doc), "data": storage.payload(doc)}

    @app.get("/v1/documents/{document_id}/pdf", responses={200: {"content": {PDF: {}}}})
    def get_pdf(request: Request, document_id: str) -> Response:
        doc = storage.document(document_id)
        return download(request, storage.blobs.get(doc.pdf_sha256), doc.pdf_sha256, PDF,
                        document_filename(doc, "pdf"))

    @app.get("/v1/documents/{document_id}/docx", responses={200: {"content": {DOCX: {}}}})
    def get_docx(request: Request, document_id: str) -> Response:
        doc = storage.document(document_id)
        return download(request, storage.blobs.get(doc.docx_sha256), doc.docx_sha256, DOCX,
                        document_filename(doc, "docx"))

    return app
