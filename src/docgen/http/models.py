"""The bodies the API answers with, as pydantic models, so ``/openapi.json`` documents every one.

Each model is built from the stored record by a ``of`` constructor, in one
place, and the pages can render the same models.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..catalogue import Template, TemplateVersion
from ..chain import VoidMark
from ..register import NumberEntry
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
    log_index: int | None = Field(description="该环节 PDF 在透明日志中的叶子序号")
    links: dict[str, str]

    @classmethod
    def of(cls, document_id: str, stage: StoredStage, label: str) -> "StageBody":
        link = stage.link
        return cls(index=link.index, round=link.round, stage=link.stage, label=label, role=link.role,
                   signer=link.signer_name, principal_id=link.principal_id,
                   certificate_sha256=link.certificate_sha256, decision=link.decision, opinion=link.opinion,
                   time=link.time, sha256=stage.pdf_sha256, link_sha256=link.link_sha256,
                   log_index=stage.log_index,
                   links={"pdf": f"/v1/documents/{document_id}/stages/{link.index}/pdf"})


class VoidStatus(BaseModel):
    """A document's void (作废): the last stage of its chain, with its reason."""

    reason: str = Field(description="作废原因")
    signer: str = Field(description="作废人")
    principal_id: str
    role: str = Field(description="作废人签署时的角色（机关配置 void_roles 之一）")
    time: str = Field(description="作废时间（RFC 3339 UTC）")
    index: int = Field(description="作废环节的序号（链条最后一环）")

    @classmethod
    def of(cls, mark: VoidMark | None) -> "VoidStatus | None":
        return None if mark is None else cls(**mark.to_dict())


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
    log_index: int | None = Field(description="签发的 PDF（环节 0）在透明日志中的叶子序号；各环节的见 stages")
    review_due: dict[str, str] | None = Field(description="法制审核期限（开始、到期、延长后期限）")
    void: VoidStatus | None = Field(default=None, description="已作废时：作废原因、作废人、时间；未作废为 null")
    links: dict[str, str]

    @classmethod
    def of(cls, doc: StoredDocument, stages: list[StoredStage]) -> "DocumentBody":
        base = f"/v1/documents/{doc.id}"
        latest = stages[-1]
        return cls(id=doc.id, template=doc.template_id, version=doc.template_version, title=doc.title,
                   doc_number=doc.doc_number, sha256=latest.pdf_sha256, docx_sha256=latest.docx_sha256,
                   payload_sha256=latest.payload_sha256, template_sha256=doc.template_sha256,
                   created_at=doc.created_at, created_by=doc.created_by, stage_count=len(stages),
                   log_index=stages[0].log_index,
                   review_due=doc.review_due, void=VoidStatus.of(VoidMark.of([s.link for s in stages])),
                   links={"self": base, "pdf": f"{base}/pdf", "docx": f"{base}/docx", "stages": f"{base}/stages",
                          "approvals": f"{base}/approvals", "void": f"{base}/void"})


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


class VoidBody(BaseModel):
    """A document just voided: the void and the signed stage that records it."""

    document_id: str
    doc_number: str | None = Field(description="文书编号；不编号的文书为 null")
    title: str
    void: VoidStatus
    stage: StageBody = Field(description="作废环节：前一环节的页面加盖“作废”印记，签名并接入同一链条")


class NumberEntryBody(BaseModel):
    """One 文书编号 of the register and what became of it."""

    seq: int
    number: str = Field(description="文书编号，如 株市监处罚〔2026〕3号")
    status: str = Field(description="issued（已签发）、void（已作废）、reserved（预留，签发中）或 free（空号，待补位）")
    label: str = Field(description="状态的中文名称")
    document_id: str | None
    title: str | None
    template: str | None
    issued_at: str | None
    reserved_at: str | None
    void: VoidStatus | None
    links: dict[str, str]

    @classmethod
    def of(cls, entry: NumberEntry) -> "NumberEntryBody":
        links = {"document": f"/v1/documents/{entry.document_id}"} if entry.document_id else {}
        return cls(seq=entry.seq, number=entry.number, status=entry.status, label=entry.label,
                   document_id=entry.document_id, title=entry.title, template=entry.template,
                   issued_at=entry.issued_at, reserved_at=entry.reserved_at, void=VoidStatus.of(entry.void),
                   links=links)


class NumberRegisterBody(BaseModel):
    """Every 文书编号 of one prefix and year, from 1 to the highest reserved, in order."""

    prefix: str
    year: int
    numbers: list[NumberEntryBody]
    counts: dict[str, int] = Field(description="各状态的编号数：issued、void、reserved、free")


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


class PublicVerifyReport(BaseModel):
    """The verification of a public rendition (公示文本, ``docgen-public/1``)."""

    kind: str = Field(description="public")
    name: str
    ok: bool
    document_id: str | None
    doc_number: str | None
    revision: int | None
    signer: str | None
    template: str | None = Field(default=None, description="原件的模板 id（清单记载）")
    template_version: str | None = Field(default=None, description="原件的模板版本（清单记载）")
    redactions: int = Field(description="清单列明的隐去处数")
    hidden: list[dict[str, str]] = Field(default_factory=list,
                                         description="清单列明的每处隐去：pointer（JSON 指针）、shown（公示的文字）、"
                                                     "reason、kind")
    original: str | None = Field(description="比对的原件文件名；未提供原件为空")
    differences: int = Field(description="与原件文字的差异处数（验证通过时均为列明的隐去内容）")
    failures: list[dict[str, Any]] = Field(description="code、message、detail")
    summary: str


class StatisticsCell(BaseModel):
    value: int | str = Field(description="数值：件数，或金额（元，两位小数的文本），或比例（如 66.7%）")
    documents: list[str] = Field(description="该数字所计的文书 id（已签发、已签名），可逐一打开")
    cases: list[str] = Field(description="该数字所计的案件 id（法定期限表）；其他表为空")


class StatisticsRow(BaseModel):
    id: str
    title: str
    cells: dict[str, StatisticsCell] = Field(description="列 id → 数字")


class StatisticsColumn(BaseModel):
    id: str
    title: str


class StatisticsTable(BaseModel):
    id: str
    title: str
    basis: str = Field(description="计数规则与法律依据")
    columns: list[StatisticsColumn]
    rows: list[StatisticsRow]


class StatisticsOmission(BaseModel):
    id: str
    title: str
    reason: str


class Statistics(BaseModel):
    """行政执法统计年报：每个数字都可展开为它所计的文书。"""

    year: int
    department: str | None = Field(description="只统计该承办部门；null 为全部")
    as_of: str = Field(description="法定期限的判断日（年度最后一天，或本年度的今天）")
    departments: list[str] = Field(description="记录中出现的全部承办部门")
    tables: list[StatisticsTable]
    omitted: list[StatisticsOmission] = Field(description="尚不能从已签名记录计算、因而未给出的数字及原因")
