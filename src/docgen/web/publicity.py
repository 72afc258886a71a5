"""The publicity pages (公示): what is due and overdue with its countdown, and one decision's publicity —
the original and the public rendition side by side, making the rendition, marking it published, withdrawing.
A voided decision (作废) still published is listed first (已作废待撤回), its withdrawal prefilled from the void.

Every action goes through the objects behind the API (``PublicityStore``,
``Renditions``), with the session cookie and its CSRF token, so a page can do
nothing the API would refuse; a refusal is shown beside its form.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import DocgenError, NotFound, ValidationFailed
from ..http.downloads import PDF, document_filename, download
from ..previews import data_url, page_images
from ..publicity import Span, export
from ..publicity.export import batch
from ..publicity.redaction import strings
from ..publicity.record import DUE, OVERDUE, STATUS_LABELS, STATUSES, VOID_WITHDRAW_REASON, WITHDRAW_DUE
from .context import Web
from .payload_view import field_title, schema_of

SIDE_DPI = 60


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    service = web.service
    store, renditions, storage = service.publicity, service.renditions, service.storage

    @router.get("/publicity", response_class=HTMLResponse)
    def publicity_list(request: Request, status: str = "") -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        today = store.today()
        chosen = status if status in STATUSES else ""
        records = store.list(chosen) if chosen else store.list(WITHDRAW_DUE) + store.list(OVERDUE) + store.list(DUE)
        rows = [{"record": r, "state": r.state(today), "days": r.days_left(today)} for r in records]
        return web.page(request, "publicity.html", rows=rows, state=chosen, labels=STATUS_LABELS)

    def detail_page(request: Request, document_id: str, status: int = 200, **extra: Any) -> HTMLResponse:
        storage.document(document_id)
        record = store.get(document_id)
        today = store.today()
        original = storage.blobs.get(storage.stages(document_id)[-1].pdf_sha256)
        made = renditions.list(document_id)
        public = storage.blobs.get(made[-1].pdf_sha256) if made else None
        document = storage.document(document_id)
        schema = schema_of(service.catalogue, service.catalogue.get(document.template_id, document.template_version))
        payload = storage.payload(storage.stages(document_id)[-1].payload_sha256)
        # the decision's text fields by their titles (an officer marks a span in one; the tags name them)
        fields = [(at, field_title(schema, at) or at) for at, text in strings(payload) if len(text) >= 2]
        titles = dict(fields)
        for entry in (record.detail.get("rendition") or {}).get("redactions", []):
            titles.setdefault(entry["pointer"], field_title(schema, entry["pointer"]) or entry["pointer"])
        void = record.void or {}
        withdraw_defaults = {"reason": VOID_WITHDRAW_REASON, "basis": f"文书已作废：{void['reason']}",
                             "changed_on": void["voided_on"]} if void else {}
        return web.page(request, "publicity_detail.html", status=status, record=record, state=record.state(today),
                        days=record.days_left(today), labels=STATUS_LABELS, revisions=made,
                        withdraw_defaults=withdraw_defaults, fields=fields, titles=titles,
                        original_pages=[data_url(p) for p in page_images(original, SIDE_DPI)],
                        public_pages=[data_url(p) for p in page_images(public, SIDE_DPI)] if public else [],
                        **{"errors": {}, "values": {}, "notice": request.query_params.get("done"), **extra})

    @router.get("/publicity/export")
    def export_page(request: Request) -> Response:
        """The batch of ``GET /v1/publicity/export`` for a signed-in officer (the API wants a token a page
        does not have); registered before ``/publicity/{document_id}``, which would take ``export`` for an id."""
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        today = store.today()
        return Response(batch(renditions, export.due(store), today), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{export.filename(today)}"',
                                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    @router.get("/publicity/{document_id}", response_class=HTMLResponse)
    def publicity_view(request: Request, document_id: str) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        try:
            return detail_page(request, document_id)
        except DocgenError as exc:
            return web.error(request, exc)

    @router.get("/publicity/{document_id}/public.pdf")
    def public_pdf(request: Request, document_id: str) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        try:
            latest = renditions.latest(document_id)
            document = storage.document(document_id)
        except DocgenError as exc:
            return web.error(request, exc)
        return download(request, storage.blobs.get(latest.pdf_sha256), latest.pdf_sha256, PDF,
                        document_filename(document, "pdf", f"-公示文本-{latest.revision}"))

    def act(request: Request, document_id: str, form: str, csrf_token: str, values: dict[str, str],
            action: Any, done: str) -> Response:
        principal = web.sessions.require(request)
        web.sessions.check(request, csrf_token)
        try:
            action(principal)
        except ValidationFailed as exc:
            errors = {f"{form}.{i.pointer.strip('/').split('/')[-1]}": i.message for i in exc.issues}
            return detail_page(request, document_id, 422, errors=errors, values=values)
        except NotFound as exc:
            return web.error(request, exc)
        except DocgenError as exc:
            return detail_page(request, document_id, exc.status, errors={form: exc.detail}, values=values)
        return RedirectResponse(f"/publicity/{document_id}?done={done}", status_code=303)

    @router.post("/publicity/{document_id}/rendition", response_class=HTMLResponse)
    async def make(request: Request, document_id: str, csrf_token: str = Form(""), pointer: str = Form(""),
                   text: str = Form(""), reason: str = Form("")) -> Response:
        spans = [Span(pointer.strip(), text, reason)] if text.strip() else []
        values = {"pointer": pointer, "text": text, "reason": reason}
        return await run_in_threadpool(act, request, document_id, "rendition", csrf_token, values,
                                       lambda who: renditions.make(who.id, document_id, spans), "rendition")

    @router.post("/publicity/{document_id}/published", response_class=HTMLResponse)
    def published(request: Request, document_id: str, csrf_token: str = Form(""), platform: str = Form(""),
                  url: str = Form(""), published_at: str = Form("")) -> Response:
        values = {"platform": platform, "url": url, "published_at": published_at}

        def record(who: Any) -> None:
            data = storage.payload(storage.stages(document_id)[-1].payload_sha256)
            store.published(who.id, document_id, platform, url, published_at, data)
        return act(request, document_id, "published", csrf_token, values, record, "published")

    @router.post("/publicity/{document_id}/withdraw", response_class=HTMLResponse)
    def withdraw(request: Request, document_id: str, csrf_token: str = Form(""), reason: str = Form(""),
                 basis: str = Form(""), changed_on: str = Form("")) -> Response:
        values = {"reason": reason, "basis": basis, "changed_on": changed_on}
        return act(request, document_id, "withdraw", csrf_token, values,
                   lambda who: store.withdraw(who.id, document_id, reason, basis, changed_on or None), "withdrawn")

    return router
