"""The case pages: the case list with search, and one case — party, deadlines (missed in red, each with
its basis), timeline, documents, 音像记录 with thumbnails and upload, closing and the volume.

Every action goes through the objects behind the API (``CaseStore``, ``Docket``,
``Binder``, the streaming ``MediaReceiver``), authenticated by the session cookie
and its CSRF token; an instrument opened from a case is the e-form with the
case's data filled in (``/forms/{id}?case=…``, see ``eform``).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from ..cases import media as media_files
from ..cases.binding import Binder, VolumeRequest
from ..cases.case import AFTER_CLOSING, STATUS_LABELS, Query
from ..cases.deadlines import MISSED
from ..cases.docket import Docket
from ..publicity.record import STATUS_LABELS as PUBLICITY_LABELS
from ..errors import DocgenError, Issue, UnsupportedMediaType, ValidationFailed
from .context import Web

PAGE = 50
#: The instruments offered on a case page, in the order a case usually needs them.
OFFERED = ("case-filing-approval", "on-site-record", "inquiry-record", "av-record-note", "evidence-preservation-notice",
           "coercive-measure-decision", "penalty-notice", "service-receipt", "representation-record",
           "hearing-notice", "investigation-report", "case-review", "penalty-decision", "case-closing-approval",
           "av-originals-transfer")


def media_errors(issues: list[Issue]) -> dict[str, str]:
    """The upload's issues by form field, worded for the page: the message without its JSON pointer
    (“记录时间（/recorded_at）为必填项” → “记录时间为必填项”, the pointer is for API clients); an issue
    naming no field of the form (say, a field the form does not have) is shown by the file input."""
    known = {*media_files.FIELDS, *media_files.OPTIONAL, "file"}
    errors: dict[str, str] = {}
    for issue in issues:
        key = issue.pointer.lstrip("/")
        key = key if key in known else "file"
        message = issue.message.replace(f"（{issue.pointer}）", "") if issue.pointer else issue.message
        errors[key] = f"{errors[key]}；{message}" if key in errors else message
    return errors


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    service = web.service
    store, storage, catalogue = service.cases, service.storage, service.catalogue
    docket = Docket(store, storage, catalogue, service.settings.calendar, service.issuer.zone)
    binder = Binder(store, docket, service.issuer, storage)

    @router.get("/cases", response_class=HTMLResponse)
    def case_list(request: Request, q: str = "", number: str = "", status: str = "", overdue: str = "",
                  page: int = 1) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        found = store.search(Query(party=q.strip() or None, number=number.strip() or None,
                                   status=status if status in STATUS_LABELS else None))
        today = docket.today()
        rows = []
        for case in found:
            late = [d for d in docket.deadlines(case, today) if d.status == MISSED]
            if overdue and not late:
                continue
            rows.append({"case": case, "late": late})
        page = max(page, 1)
        return web.page(request, "cases.html", rows=rows[(page - 1) * PAGE:page * PAGE], total=len(rows),
                        page=page, pages=max(1, -(-len(rows) // PAGE)), q=q, number=number, state=status,
                        overdue=overdue, labels=STATUS_LABELS)

    def case_page(request: Request, case_id: str, status: int = 200, **extra: Any) -> HTMLResponse:
        case = store.get(case_id)
        deadlines = docket.deadlines(case)
        documents = [{"doc": doc, "stages": len(stages)} for doc, stages in docket.documents(case)]
        offered = [catalogue.get(t) for t in OFFERED if t in catalogue.templates
                   and (not case.closed or t in AFTER_CLOSING)]  # closed: the 移交清单 alone
        today = service.publicity.today()
        publicity = [{"record": r, "state": r.state(today), "label": PUBLICITY_LABELS[r.state(today)],
                      "days": r.days_left(today)} for r in service.publicity.list(case_id=case.id)]
        volumes = binder.volumes(case.id)
        media = store.media(case.id)
        # closed: what a new volume would bind (none: the page says so rather than offer a refused build), and
        # the 音像记录 no 音像记录原件移交清单 lists yet
        unbound = len(binder.unbound(case, volumes)) if case.closed else 0
        untransferred = sum(not docs for docs in docket.media_transfers(case).values()) if case.closed and media else 0
        return web.page(request, "case.html", status=status, case=case, deadlines=deadlines,
                        timeline=docket.timeline(case), documents=documents, media=media,
                        media_notes=docket.media_notes(case), unbound=unbound, untransferred=untransferred,
                        volumes=volumes, offered=offered, labels=STATUS_LABELS, publicity=publicity,
                        kinds=media_files.KIND_LABELS, media_fields=media_files.FIELDS,
                        **{"notice": None, "errors": {}, "values": {}, "media_failed": False, **extra})

    @router.get("/cases/{case_id}", response_class=HTMLResponse)
    def case_view(request: Request, case_id: str) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        try:
            return case_page(request, case_id, notice=request.query_params.get("done"))
        except DocgenError as exc:
            return web.error(request, exc)

    @router.get("/cases/{case_id}/media/{media_id}/file")
    def media_file(request: Request, case_id: str, media_id: str) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        item = store.medium(case_id, media_id)
        return FileResponse(storage.blobs.file(item.sha256), media_type=item.media_type,
                            headers={"Cache-Control": "private, max-age=31536000, immutable",
                                     "X-Content-Type-Options": "nosniff"})

    @router.post("/cases/{case_id}/media", response_class=HTMLResponse)
    async def upload(request: Request, case_id: str, csrf: str = "") -> Response:
        """The upload form posts multipart with its CSRF token in the query, checked before the body is read."""
        principal = web.sessions.require(request)
        web.sessions.check(request, csrf)
        principal.require("case_system")
        receiver = None
        try:
            await run_in_threadpool(store.open_case, case_id)
            receiver = media_files.MediaReceiver(storage.blobs, request.headers.get("content-type"))
            await receiver.receive(request.stream())
            staged = receiver.staged
            if staged is None or staged.size == 0:
                raise ValidationFailed([Issue("/file", "文件（/file）为必填项：照片、录音或录像")])
            values = media_files.metadata(receiver.fields)
            sniffed = media_files.sniff(staged.head)
            if sniffed is None:
                raise UnsupportedMediaType(f"文件 {staged.filename or '（无名）'} 的内容不是照片、录音或录像，未保存")
            digest = await run_in_threadpool(media_files.adopt, storage.blobs, staged)
            await run_in_threadpool(store.add_media, principal.id, case_id, sniffed[0], sniffed[1], digest,
                                    staged.size, staged.filename, values)
        except ValidationFailed as exc:
            if receiver is not None:
                receiver.discard()
            errors = media_errors(exc.issues)
            values = receiver.fields if receiver is not None else {}
            return await run_in_threadpool(lambda: case_page(request, case_id, 422, errors=errors, values=values,
                                                             media_failed=True))
        except DocgenError as exc:
            if receiver is not None:
                receiver.discard()
            if exc.status == 404:
                return web.error(request, exc)
            status, detail = exc.status, exc.detail  # bound here: the name ``exc`` ends with this block
            return await run_in_threadpool(lambda: case_page(request, case_id, status, errors={"file": detail},
                                                             media_failed=True))
        return RedirectResponse(f"/cases/{case_id}?done=media", status_code=303)

    @router.post("/cases/{case_id}/close", response_class=HTMLResponse)
    def close(request: Request, case_id: str, csrf_token: str = Form("")) -> Response:
        principal = web.sessions.require(request)
        web.sessions.check(request, csrf_token)
        try:
            principal.require("case_system")
            case = store.get(case_id)
            store.close(principal.id, case_id, {"closing_approval": docket.closing_approval(case).id})
        except DocgenError as exc:
            return case_page(request, case_id, exc.status, errors={"close": exc.detail})
        return RedirectResponse(f"/cases/{case_id}?done=closed", status_code=303)

    @router.post("/cases/{case_id}/volume", response_class=HTMLResponse)
    def volume(request: Request, case_id: str, csrf_token: str = Form(""), archive_number: str = Form(""),
               retention: str = Form("定期30年"), result: str = Form(""), checked_by: str = Form("")) -> Response:
        principal = web.sessions.require(request)
        web.sessions.check(request, csrf_token)
        values = {"archive_number": archive_number.strip(), "retention": retention, "result": result.strip(),
                  "checked_by": checked_by.strip()}
        missing = {key: f"{label}为必填项" for key, label in (("archive_number", "档号"), ("result", "处理结果"),
                                                               ("checked_by", "检查人")) if not values[key]}
        if retention not in ("永久", "定期30年", "定期10年"):
            missing["retention"] = "保管期限应为 永久、定期30年 或 定期10年"
        if missing:
            return case_page(request, case_id, 422, errors=missing, values=values)
        try:
            principal.require("case_system")
            built = binder.build(principal.id, case_id, VolumeRequest(**values))
        except DocgenError as exc:
            return case_page(request, case_id, exc.status, errors={"volume": exc.detail}, values=values)
        return RedirectResponse(f"/cases/{case_id}?done=volume-{built.volume}", status_code=303)

    @router.get("/cases/{case_id}/volumes/{number}/pdf")
    def volume_pdf(request: Request, case_id: str, number: int) -> Response:
        if web.sessions.principal(request) is None:
            return web.to_login(request)
        built = binder.volume(case_id, number)
        return FileResponse(storage.blobs.file(built.sha256), media_type="application/pdf",
                            filename=f"volume-{number}.pdf")

    return router
