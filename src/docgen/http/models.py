"""The bodies the API answers with, as pydantic models, so ``/openapi.json`` documents every one.

Each model is built from the stored record by a ``of`` constructor, in one
place, and the pages can render the same models.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..catalogue import Template, TemplateVersion
from ..storage import StoredDocument, StoredStage
from ..workflow import WorkflowStage


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="问题类型，如 /problems/validation-failed")
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, str]] | None = Field(default=None, description="校验错误：pointer 与 message（最多 100 条）")
    error_count: int | None = Field(default=None, description="发现的错误总数")
    request_id: str | None = Field(default=None, description="请求编号（与响应头 X-Request-ID 相同），用于在服务日志中查找")


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these status codes, each a problem document."""
    schema = Problem.model_json_schema()
    return {code: {"content": {"application/problem+json": {"schema": schema}}, "description": "RFC 9457 problem"}
            for code in codes}


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str = Field(description="ready 或 not ready")
    checks: dict[str, Any] = Field(description="converters（可用转换进程数）、storage（可写）、free_bytes、disk（空间足够）")


class VersionRef(BaseModel):
    version: str
    status: str = Field(description="active 或 retired")


class TemplateSummary(BaseModel):
    id: str
    title: str
    kind: str = Field(description="form、letter、record 或 other")
    numbered: bool
    current_version: str
    versions: list[VersionRef]
    links: dict[str, str]

    @classmethod
    def of(cls, template: Template) -> "TemplateSummary":
        return cls(id=template.template_id, title=template.title, kind=template.kind, numbered=template.numbered,
                   current_version=template.current.version,
                   versions=[VersionRef(version=v.version, status=v.status) for v in template.versions],
                   links={"self": f"/v1/templates/{template.template_id}"})


class VersionDetail(VersionRef):
    sha256: dict[str, str] = Field(description="该版本依赖的每个文件的 sha256")
    links: dict[str, str]

    @classmethod
    def of(cls, release: TemplateVersion) -> "VersionDetail":
        base = f"/v1/templates/{release.template_id}/versions/{release.version}"
        return cls(version=release.version, status=release.status, sha256=dict(release.sha256),
                   links={"schema": f"{base}/schema", "example": f"{base}/example",
                          "blank_pdf": f"{base}/blank", "blank_docx": f"{base}/blank?format=docx"})


class TemplateDetail(TemplateSummary):
    versions: list[VersionDetail]  # type: ignore[assignment]

    @classmethod
    def of(cls, template: Template) -> "TemplateDetail":
        summary = TemplateSummary.of(template).model_dump(exclude={"versions"})
        return cls(**summary, versions=[VersionDetail.of(v) for v in template.versions])


class StageBody(BaseModel):
    """One signed stage of a document and its PDF."""

    index: int
    round: int
    stage: str
    label: str
    role: str
    signer: str
    principal_id: str
    certificate_sha256: str
    decision: str | None
    opinion: str | None
    time: str
    sha256: str = Field(description="该环节 PDF 的 sha256")
    link_sha256: str
    links: dict[str, str]

    @classmethod
    def of(cls, document_id: str, stage: StoredStage, label: str) -> "StageBody":
        link = stage.link
        return cls(index=link.index, round=link.round, stage=link.stage, label=label, role=link.role,
                   signer=link.signer_name, principal_id=link.principal_id,
                   certificate_sha256=link.certificate_sha256, decision=link.decision, opinion=link.opinion,
                   time=link.time, sha256=stage.pdf_sha256, link_sha256=link.link_sha256,
                   links={"pdf": f"/v1/documents/{document_id}/stages/{link.index}/pdf"})


class DocumentBody(BaseModel):
    """An issued document: its record and the hashes of its latest stage."""

    id: str
    template: str
    version: str
    title: str
    doc_number: str | None = Field(description="文书编号；不编号的文书为 null")
    sha256: str = Field(description="最新环节 PDF 的 sha256（下载的 ETag）")
    docx_sha256: str
    payload_sha256: str
    template_sha256: dict[str, str]
    created_at: str
    created_by: str
    stage_count: int
    review_due: dict[str, str] | None = Field(description="法制审核期限（开始、到期、延长后期限）")
    links: dict[str, str]

    @classmethod
    def of(cls, doc: StoredDocument, stages: list[StoredStage]) -> "DocumentBody":
        base = f"/v1/documents/{doc.id}"
        latest = stages[-1]
        return cls(id=doc.id, template=doc.template_id, version=doc.template_version, title=doc.title,
                   doc_number=doc.doc_number, sha256=latest.pdf_sha256, docx_sha256=latest.docx_sha256,
                   payload_sha256=latest.payload_sha256, template_sha256=doc.template_sha256,
                   created_at=doc.created_at, created_by=doc.created_by, stage_count=len(stages),
                   review_due=doc.review_due,
                   links={"self": base, "pdf": f"{base}/pdf", "docx": f"{base}/docx", "stages": f"{base}/stages",
                          "approvals": f"{base}/approvals"})


class NextStage(BaseModel):
    stage: str
    label: str
    role: str
    round: int
    decisions: list[str]

    @classmethod
    def of(cls, step: tuple[WorkflowStage, int] | None) -> "NextStage | None":
        if step is None:
            return None
        stage, round_ = step
        return cls(stage=stage.id, label=stage.label, role=stage.role, round=round_, decisions=list(stage.decisions))


class DocumentDetail(DocumentBody):
    """The document with its validated payload, every stage and what may be signed next."""

    data: Any = Field(description="最新环节的案件数据")
    stages: list[StageBody]
    next_stage: NextStage | None


class VerifyReport(BaseModel):
    """The verifier's report (``docgen verify --json``), its verdict as data and in plain Chinese."""

    model_config = ConfigDict(extra="allow")
    ok: bool
    intact: bool
    trusted: bool
    conforms: bool
    complete: bool
    document_id: str | None
    template: str | None
    final_index: int | None
    stages: list[dict[str, Any]]
    files: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    status: dict[str, Any] = Field(description="每个问题一个布尔值、summary() 与各问题下的失败代码")
    summary: str = Field(description="中文报告")
