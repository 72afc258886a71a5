"""The case API (一案一卷): ``routes(service)`` is every ``/v1/cases`` and ``/v1/deadlines`` route.

Request and response bodies are pydantic models, so ``/openapi.json`` documents
each; the case's own rules (the shared 当事人 block, two officers, dates) are
checked by ``cases.CaseStore.validate`` with the same Chinese messages as an
instrument's payload. Documents are issued for a case through
``POST /v1/documents`` with ``case_id`` (see ``issuance``).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from ..cases import media as media_files
from ..cases.case import PROCEDURES, SOURCES, STATUS_LABELS, Case, Media, Query as CaseQuery
from ..cases.deadlines import MISSED, Deadline
from ..cases.binding import Binder, StoredVolume, VolumeRequest
from ..cases.docket import Docket
from ..errors import BadRequest, Issue, UnsupportedMediaType, ValidationFailed
from ..principals import Principal
from .models import problems
from .routing import StrictJSONRoute

bearer = HTTPBearer(auto_error=False, scheme_name="token", description="主体令牌 dg_…（docgen principals add）")
#: Most cases one page of a search answers.
MAX_PAGE = 200


class Officer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="姓名")
    certificate_number: str = Field(description="执法证号")


class CaseFields(BaseModel):
    """The case-level data every instrument of the case repeats (entered once)."""

    model_config = ConfigDict(extra="forbid")
    cause: str = Field(description="案由：涉嫌违法行为，以“涉嫌”开头")
    party: dict[str, Any] = Field(description="当事人：共享定义 schemas/_defs 的 party（kind 为 person 或 organization）")
    officers: list[Officer] = Field(description="承办人员：两名以上，各有执法证号")
    source: Literal[SOURCES] = Field(description="案件来源")  # type: ignore[valid-type]
    discovered_on: str = Field(description="发现日期（YYYY-MM-DD）")
    filed_on: str = Field(description="立案日期（YYYY-MM-DD）")
    procedure: Literal[PROCEDURES] = Field(description="程序：普通或简易")  # type: ignore[valid-type]
    department: str | None = Field(default=None, description="承办部门（可选）：行政执法统计按部门汇总时用")


class CasePatch(BaseModel):
    """Corrections of case-level data: only the fields given change; each change is an event."""

    model_config = ConfigDict(extra="forbid")
    cause: str | None = Field(default=None, description="案由")
    party: dict[str, Any] | None = Field(default=None, description="当事人（整体替换）")
    officers: list[Officer] | None = Field(default=None, description="承办人员（整体替换）")
    source: Literal[SOURCES] | None = Field(default=None, description="案件来源")  # type: ignore[valid-type]
    discovered_on: str | None = Field(default=None, description="发现日期")
    filed_on: str | None = Field(default=None, description="立案日期")
    procedure: Literal[PROCEDURES] | None = Field(default=None, description="程序")  # type: ignore[valid-type]
    department: str | None = Field(default=None, description="承办部门")


class CaseBody(CaseFields):
    model_config = ConfigDict(extra="forbid")
    id: str
    number: str = Field(description="案件编号")
    status: Literal["open", "closed"]
    status_label: str
    created_at: str
    created_by: str
    updated_at: str
    closed_at: str | None
    links: dict[str, str]


class ClosedCase(CaseBody):
    warnings: list[str] = Field(description="结案时的提醒（不阻止结案），如尚未出具音像记录说明的音像记录")
    uncovered_media: list[str] = Field(description="尚无音像记录说明打印的音像记录编号")


class CaseSummary(BaseModel):
    id: str
    number: str
    cause: str
    party_name: str
    status: Literal["open", "closed"]
    status_label: str
    filed_on: str
    overdue: int = Field(description="已逾期的期限数")
    links: dict[str, str]


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class CaseDocument(BaseModel):
    id: str
    template: str
    version: str
    title: str
    doc_number: str | None
    created_at: str
    stage_count: int
    sha256: str = Field(description="最新环节 PDF 的 sha256")
    links: dict[str, str]


class TimelineEntry(BaseModel):
    time: str
    kind: str = Field(description="created, updated, document_issued, stage, media_added, closed, volume_built")
    actor: str
    summary: str
    detail: dict[str, Any]


class DeadlineBody(BaseModel):
    id: str
    title: str
    basis: str = Field(description="法律依据")
    status: Literal["due", "met", "missed", "unknown"]
    status_label: str
    start: str | None
    due: str | None
    extended_due: str | None
    done_on: str | None
    protects_party: bool
    reason: str | None
    document_id: str | None


class CaseDeadline(DeadlineBody):
    case_id: str
    case_number: str
    party_name: str


class MediaBody(BaseModel):
    id: str
    position: int = Field(description="在案件音像记录中的序号")
    kind: Literal["photo", "audio", "video"] = Field(description="按文件内容识别的种类")
    kind_label: str
    media_type: str = Field(description="按文件内容识别的媒体类型")
    sha256: str
    size: int
    filename: str = Field(description="上传时的文件名（仅供参考，类型不依据文件名）")
    metadata: dict[str, str] = Field(description="记录内容、记录时间、地点、执法人员、记录人员、拟证明目的、设备（及文字整理）")
    created_at: str
    created_by: str
    described_in: list[str] = Field(default_factory=list,
                                    description="打印它的音像记录说明（文书 id，作废的除外）；为空即尚未出具说明")
    links: dict[str, str]


#: The multipart body of a media upload, for /openapi.json (the route parses the stream itself).
MEDIA_REQUEST = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", *media_files.FIELDS],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "照片、录音或录像；类型按文件内容识别，不看文件名"},
                   **{key: {"type": "string", "title": title}
                      for key, title in {**media_files.FIELDS, **media_files.OPTIONAL}.items()}}}}}}}


class VolumeOrder(BaseModel):
    """What the archive adds for the 卷宗封面 and the 卷内备考表; everything else comes from the case."""

    model_config = ConfigDict(extra="forbid")
    archive_number: str = Field(min_length=1, max_length=50, description="档号，如 Z015-2026-D30-0012")
    retention: Literal["永久", "定期30年", "定期10年"] = Field(description="保管期限")
    result: str = Field(min_length=1, max_length=300, description="处理结果概要（印在卷宗封面）")
    checked_by: str = Field(min_length=1, max_length=50, description="检查人")
    compiled_by: str | None = Field(default=None, max_length=50, description="立卷人；缺省为第一承办人")
    notes: str | None = Field(default=None, max_length=2000, description="卷内备考表的情况说明；缺省为“材料齐全完整”")


class VolumeBody(BaseModel):
    case_id: str
    volume: int = Field(description="卷次：结案后补充的文书装订为下一卷")
    sha256: str
    pages: int
    documents: list[dict[str, Any]] = Field(description="卷内文件：序号、文书、卷别、页号、原件 sha256")
    built_at: str
    built_by: str
    log_index: int | None = Field(description="该卷在透明日志中的叶子序号（/v1/log/proof/inclusion?leaf=…）")
    links: dict[str, str]


def volume_body(volume: StoredVolume) -> VolumeBody:
    return VolumeBody(**volume.__dict__, links={
        "pdf": f"/v1/cases/{volume.case_id}/volumes/{volume.volume}/pdf"})


class Prefill(BaseModel):
    template: str
    version: str
    data: dict[str, Any] = Field(description="案件为该文书提供的字段（签发时未给出的字段由案件填入）")


def case_body(case: Case) -> CaseBody:
    base = f"/v1/cases/{case.id}"
    return CaseBody(**case.data, id=case.id, number=case.number, status=case.status,  # type: ignore[arg-type]
                    status_label=STATUS_LABELS[case.status], created_at=case.created_at,
                    created_by=case.created_by, updated_at=case.updated_at, closed_at=case.closed_at,
                    links={"self": base, "documents": f"{base}/documents", "timeline": f"{base}/timeline",
                           "deadlines": f"{base}/deadlines", "close": f"{base}/close", "page": f"/cases/{case.id}"})


def media_body(item: Media, described_in: list[str] | None = None) -> MediaBody:
    return MediaBody(id=item.id, position=item.position, kind=item.kind,  # type: ignore[arg-type]
                     described_in=described_in or [],
                     kind_label=media_files.KIND_LABELS[item.kind], media_type=item.media_type, sha256=item.sha256,
                     size=item.size, filename=item.filename, metadata=item.metadata, created_at=item.created_at,
                     created_by=item.created_by,
                     links={"self": f"/v1/cases/{item.case_id}/media/{item.id}",
                            "file": f"/v1/cases/{item.case_id}/media/{item.id}/file"})


def deadline_body(deadline: Deadline) -> dict[str, Any]:
    return deadline.to_dict()


def routes(service: Any) -> APIRouter:
    """The case routes of one installation (``service`` is ``docgen.service.Service``)."""
    router = APIRouter(route_class=StrictJSONRoute, tags=["案件"], responses=problems(401, 403, 409))
    store = service.cases
    storage = service.storage
    docket = Docket(store, storage, service.catalogue, service.settings.calendar, service.issuer.zone)

    def principal(request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)) -> Principal:
        known = getattr(request.state, "principal", None)
        if known is not None:
            return known
        return service.principals.authenticate(request.headers.get("authorization"))

    @router.post("/v1/cases", status_code=201, response_model=CaseBody)
    def create_case(body: CaseFields, response: Response, caller: Principal = Depends(principal)) -> CaseBody:
        caller.require("case_system")
        case = store.create(caller.id, body.model_dump(exclude_none=True))
        response.headers["Location"] = f"/v1/cases/{case.id}"
        return case_body(case)

    @router.get("/v1/cases", response_model=CasePage)
    def search_cases(caller: Principal = Depends(principal),
                     party: str | None = Query(None, max_length=200, description="当事人名称（部分）或统一社会信用代码"),
                     number: str | None = Query(None, max_length=100, description="案件编号（部分）"),
                     doc_number: str | None = Query(None, max_length=100, description="案件中一份文书的文书编号"),
                     status: Literal["open", "closed"] | None = Query(None, description="状态"),
                     overdue: bool = Query(False, description="只列有已逾期期限的案件"),
                     limit: int = Query(50, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0)) -> CasePage:
        found = store.search(CaseQuery(party or None, number or None, doc_number or None, status))
        today = docket.today()
        counted = []
        for case in found:
            late = sum(1 for d in docket.deadlines(case, today) if d.status == MISSED) if overdue else None
            if overdue and not late:
                continue
            counted.append((case, late))
        page = counted[offset:offset + limit]
        items = []
        for case, late in page:
            if late is None:
                late = sum(1 for d in docket.deadlines(case, today) if d.status == MISSED)
            items.append(CaseSummary(id=case.id, number=case.number, cause=case.data["cause"],
                                     party_name=case.party_name, status=case.status,  # type: ignore[arg-type]
                                     status_label=STATUS_LABELS[case.status], filed_on=case.data["filed_on"],
                                     overdue=late, links={"self": f"/v1/cases/{case.id}"}))
        return CasePage(items=items, total=len(counted), limit=limit, offset=offset)

    @router.get("/v1/cases/{case_id}", response_model=CaseBody)
    def get_case(case_id: str, caller: Principal = Depends(principal)) -> CaseBody:
        return case_body(store.get(case_id))

    @router.patch("/v1/cases/{case_id}", response_model=CaseBody)
    def patch_case(case_id: str, body: CasePatch, caller: Principal = Depends(principal)) -> CaseBody:
        caller.require("case_system")
        changes = body.model_dump(exclude_unset=True)
        if not changes:
            raise BadRequest("没有要更正的字段")
        return case_body(store.update(caller.id, case_id, changes))

    @router.get("/v1/cases/{case_id}/documents", response_model=list[CaseDocument])
    def case_documents(case_id: str, caller: Principal = Depends(principal)) -> list[CaseDocument]:
        case = store.get(case_id)
        return [CaseDocument(id=doc.id, template=doc.template_id, version=doc.template_version, title=doc.title,
                             doc_number=doc.doc_number, created_at=doc.created_at, stage_count=len(stages),
                             sha256=stages[-1].pdf_sha256,
                             links={"self": f"/v1/documents/{doc.id}", "pdf": f"/v1/documents/{doc.id}/pdf"})
                for doc, stages in docket.documents(case)]

    @router.get("/v1/cases/{case_id}/timeline", response_model=list[TimelineEntry])
    def case_timeline(case_id: str, caller: Principal = Depends(principal)) -> list[TimelineEntry]:
        return [TimelineEntry(**entry.__dict__) for entry in docket.timeline(store.get(case_id))]

    @router.get("/v1/cases/{case_id}/deadlines", response_model=list[DeadlineBody])
    def case_deadlines(case_id: str, caller: Principal = Depends(principal)) -> list[dict[str, Any]]:
        return [deadline_body(d) for d in docket.deadlines(store.get(case_id))]

    @router.get("/v1/cases/{case_id}/prefill/{template_id}", response_model=Prefill)
    def prefill(case_id: str, template_id: str, caller: Principal = Depends(principal)) -> Prefill:
        """What the case fills in that instrument's payload (the e-form opened from a case starts with it)."""
        release = service.catalogue.get(template_id)
        return Prefill(template=template_id, version=release.version,
                       data=store.completed(store.get(case_id), release, {}))  # with its 音像记录, if it lists them

    @router.post("/v1/cases/{case_id}/close", response_model=ClosedCase)
    def close_case(case_id: str, caller: Principal = Depends(principal)) -> ClosedCase:
        caller.require("case_system")
        case = store.get(case_id)
        approval = docket.closing_approval(case)
        uncovered = docket.uncovered_media(case)  # a reminder, never a refusal (docs/legal-notes.md)
        closed = case_body(store.close(caller.id, case_id, {"closing_approval": approval.id}))
        warnings = [f"有 {len(uncovered)} 项音像记录尚未出具音像记录说明（照片打印、录音录像整理成文字并说明，经当事人签名"
                    "确认后入卷）"] if uncovered else []
        return ClosedCase(**closed.model_dump(), warnings=warnings, uncovered_media=uncovered)

    @router.post("/v1/cases/{case_id}/media", status_code=201, response_model=MediaBody,
                 openapi_extra=MEDIA_REQUEST)
    async def upload_media(case_id: str, request: Request, response: Response,
                           caller: Principal = Depends(principal)) -> MediaBody:
        """Stream one photo, audio or video with its metadata into the case (see ``cases.media``)."""
        caller.require("case_system")
        await run_in_threadpool(store.open_case, case_id)
        storage.preflight(service.settings.limits.min_free)
        receiver = media_files.MediaReceiver(storage.blobs, request.headers.get("content-type"))
        await receiver.receive(request.stream())
        try:
            staged = receiver.staged
            if staged is None:
                raise ValidationFailed([Issue("/file", "文件（/file）为必填项：照片、录音或录像")])
            values = media_files.metadata(receiver.fields)
            sniffed = media_files.sniff(staged.head)
            if sniffed is None:
                raise UnsupportedMediaType(f"文件 {staged.filename or '（无名）'} 的内容不是照片、录音或录像"
                                           "（按文件内容识别，支持 JPEG、PNG、WebP、HEIC、MP3、WAV、M4A、AMR、OGG、"
                                           "FLAC、MP4、MOV、3GP、AVI、WebM），未保存")
            digest = await run_in_threadpool(media_files.adopt, storage.blobs, staged)
        except BaseException:
            receiver.discard()
            raise
        item = await run_in_threadpool(store.add_media, caller.id, case_id, sniffed[0], sniffed[1], digest,
                                       staged.size, staged.filename, values)
        response.headers["Location"] = f"/v1/cases/{case_id}/media/{item.id}"
        return media_body(item)

    @router.get("/v1/cases/{case_id}/media", response_model=list[MediaBody])
    def list_media(case_id: str, caller: Principal = Depends(principal)) -> list[MediaBody]:
        notes = docket.media_notes(store.get(case_id))
        return [media_body(item, notes.get(item.id, [])) for item in store.media(case_id)]

    @router.get("/v1/cases/{case_id}/media/{media_id}", response_model=MediaBody)
    def get_media(case_id: str, media_id: str, caller: Principal = Depends(principal)) -> MediaBody:
        item = store.medium(case_id, media_id)
        return media_body(item, docket.media_notes(store.get(case_id)).get(item.id, []))

    @router.get("/v1/cases/{case_id}/media/{media_id}/file", response_class=FileResponse,
                responses={200: {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}, "audio/*": {"schema": {"type": "string", "format": "binary"}}, "video/*": {"schema": {"type": "string", "format": "binary"}}},
                                 "description": "原始文件"}})
    def media_file(request: Request, case_id: str, media_id: str, caller: Principal = Depends(principal)) -> Response:
        """The stored bytes, streamed from disk (ETag = sha256)."""
        item = store.medium(case_id, media_id)
        etag = f'"{item.sha256}"'
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={"ETag": etag})
        fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in item.filename) or item.id
        return FileResponse(storage.blobs.file(item.sha256), media_type=item.media_type, headers={
            "ETag": etag, "Cache-Control": "private, max-age=31536000, immutable",
            "Content-Disposition": f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(item.filename)}"})

    binder = Binder(store, docket, service.issuer, storage)

    @router.post("/v1/cases/{case_id}/volume", status_code=201, response_model=VolumeBody)
    def build_volume(case_id: str, body: VolumeOrder, response: Response,
                     caller: Principal = Depends(principal)) -> VolumeBody:
        """Bind the closed case's documents into the next volume: one signed PDF/A (see ``cases.volume``)."""
        caller.require("case_system")
        values = body.model_dump(exclude_none=True)
        volume = binder.build(caller.id, case_id, VolumeRequest(**values))
        response.headers["Location"] = f"/v1/cases/{case_id}/volumes/{volume.volume}/pdf"
        return volume_body(volume)

    @router.get("/v1/cases/{case_id}/volumes", response_model=list[VolumeBody])
    def list_volumes(case_id: str, caller: Principal = Depends(principal)) -> list[VolumeBody]:
        store.get(case_id)
        return [volume_body(v) for v in binder.volumes(case_id)]

    @router.get("/v1/cases/{case_id}/volumes/{number}/pdf", response_class=FileResponse,
                responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}, "description": "案卷 PDF"}})
    def volume_pdf(request: Request, case_id: str, number: int, caller: Principal = Depends(principal)) -> Response:
        case = store.get(case_id)
        volume = binder.volume(case_id, number)
        etag = f'"{volume.sha256}"'
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={"ETag": etag})
        name = f"案卷-{case.number}-第{number}卷.pdf".replace("/", "／")
        return FileResponse(storage.blobs.file(volume.sha256), media_type="application/pdf", headers={
            "ETag": etag, "Cache-Control": "private, max-age=31536000, immutable",
            "Content-Disposition": f"attachment; filename=\"volume-{number}.pdf\"; filename*=UTF-8''{quote(name)}"})

    @router.get("/v1/deadlines", response_model=list[CaseDeadline])
    def all_deadlines(caller: Principal = Depends(principal),
                      due_before: str | None = Query(None, description="只列截止日早于该日（YYYY-MM-DD）的期限"),
                      overdue: bool = Query(False, description="只列已逾期的期限"),
                      status: Literal["open", "closed"] | None = Query(None, description="案件状态")
                      ) -> list[dict[str, Any]]:
        before = _date_param(due_before, "due_before")
        today = docket.today()
        answer = []
        for case in store.search(CaseQuery(status=status)):
            for deadline in docket.deadlines(case, today):
                if overdue and deadline.status != MISSED:
                    continue
                if before and (deadline.due is None or date.fromisoformat(deadline.due) >= before):
                    continue
                answer.append({**deadline_body(deadline), "case_id": case.id, "case_number": case.number,
                               "party_name": case.party_name})
        return sorted(answer, key=lambda d: (d["due"] or "9999", d["case_number"]))

    return router


def _date_param(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed([Issue(f"/{name}", f"{name} 应为 YYYY-MM-DD 格式的日期")]) from None
