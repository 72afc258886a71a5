"""What the verifier says: failure codes, per-stage and per-file results, and the report.

The report keeps apart the questions an archive asks, as pyHanko's status
objects do for one signature (``intact``, ``trusted``, …):

- *intact* — the bytes are what was signed: hashes, link signatures, the links
  between stages, the PDF signature covering the whole file;
- *trusted* — the signatures were made with certificates the trust bundle's
  root issued, valid at the time each link claims, for this installation;
- *conforms* — the chain follows the template version's workflow: stage order,
  roles, decisions, time order;
- *complete* — only when asked for: every stage was given as a file and the
  workflow has reached its end.

A partial set of genuine files verifies: the latest file's links vouch for the
stages before it, so a missing earlier file is no failure unless completeness
was asked for. Every stage says whether it was given as a file or checked only
through the links of a later file.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from ..chain import VoidMark


class Aspect(StrEnum):
    """Which question a failure answers ``no`` to."""

    INTACT = "intact"
    """Hashes, links, coverage: the bytes are what was signed."""
    TRUSTED = "trusted"
    """Certificates, root and installation: the signers are the bundle's."""
    CONFORMS = "conforms"
    """Workflow, roles, time order: the chain is an allowed one."""
    COMPLETE = "complete"
    """Every stage file given and the workflow finished (checked only when asked)."""

    @property
    def label(self) -> str:
        """The question's name on the page and in the text report (文件完好 …)."""
        return _ASPECT_LABELS[self]


_ASPECT_LABELS = {Aspect.INTACT: "文件完好", Aspect.TRUSTED: "签名可信", Aspect.CONFORMS: "符合审批流程",
                  Aspect.COMPLETE: "材料完整"}


class FailureCode(StrEnum):
    """Every reason a verification can fail. The value is the code in the JSON report;
    ``message`` is the plain Chinese sentence, ``aspect`` the question it belongs to."""

    NO_FILES = "no-files"
    UNREADABLE_PDF = "unreadable-pdf"
    MANIFEST_MISSING = "manifest-missing"
    MANIFEST_INVALID = "manifest-invalid"
    SIGNATURE_MISSING = "signature-missing"
    SIGNATURE_COUNT = "signature-count"
    SIGNATURE_INVALID = "signature-invalid"
    SIGNATURE_MALFORMED = "signature-malformed"
    SIGNATURE_UNTRUSTED = "signature-untrusted"
    SIGNATURE_COVERAGE = "signature-coverage"
    SIGNER_MISMATCH = "signer-mismatch"
    CONTENT_MISMATCH = "content-mismatch"
    LINK_SIGNATURE_INVALID = "link-signature-invalid"
    SIGNER_UNKNOWN = "signer-unknown"
    UNTRUSTED_CERTIFICATE = "untrusted-certificate"
    CERTIFICATE_EXPIRED = "certificate-expired"
    IDENTITY_MISMATCH = "identity-mismatch"
    FOREIGN_INSTALLATION = "foreign-installation"
    BROKEN_LINK = "broken-link"
    STAGE_MISSING = "stage-missing"
    STAGE_ORDER = "stage-order"
    DUPLICATE_STAGE = "duplicate-stage"
    TIME_ORDER = "time-order"
    WRONG_ROLE = "wrong-role"
    WORKFLOW_UNKNOWN = "workflow-unknown"
    WORKFLOW_VIOLATION = "workflow-violation"
    MIXED_DOCUMENTS = "mixed-documents"
    MANIFEST_MISMATCH = "manifest-mismatch"
    FILE_MISMATCH = "file-mismatch"
    WORKFLOW_UNFINISHED = "workflow-unfinished"
    VOLUME_MANIFEST_INVALID = "volume-manifest-invalid"
    VOLUME_PAGES = "volume-pages"
    VOLUME_EXTRA_FILE = "volume-extra-file"
    VOLUME_ORIGINAL_MISSING = "volume-original-missing"
    VOLUME_ORIGINAL_MISMATCH = "volume-original-mismatch"
    VOLUME_ORIGINAL_INVALID = "volume-original-invalid"
    PUBLIC_MANIFEST_INVALID = "public-manifest-invalid"
    PUBLIC_MANIFEST_SIGNATURE = "public-manifest-signature"
    PUBLIC_CONTENT_MISMATCH = "public-content-mismatch"
    PUBLIC_ORIGINAL_MISMATCH = "public-original-mismatch"
    PUBLIC_ORIGINAL_INVALID = "public-original-invalid"
    PUBLIC_TEXT_DIFFERS = "public-text-differs"

    @property
    def message(self) -> str:
        """What the code means, in plain Chinese."""
        return _MESSAGES[self][0]

    @property
    def aspect(self) -> Aspect:
        """The question a failure with this code answers ``no`` to."""
        return _MESSAGES[self][1]


_I, _T, _C, _X = Aspect.INTACT, Aspect.TRUSTED, Aspect.CONFORMS, Aspect.COMPLETE
_MESSAGES: dict[FailureCode, tuple[str, Aspect]] = {
    FailureCode.NO_FILES: ("没有提供任何文件", _I),
    FailureCode.UNREADABLE_PDF: ("文件不是可读取的 PDF", _I),
    FailureCode.MANIFEST_MISSING: ("PDF 中没有签批链条清单", _I),
    FailureCode.MANIFEST_INVALID: ("签批链条清单格式错误", _I),
    FailureCode.SIGNATURE_MISSING: ("PDF 没有电子签名", _I),
    FailureCode.SIGNATURE_COUNT: ("PDF 应恰有一个电子签名", _I),
    FailureCode.SIGNATURE_INVALID: ("PDF 电子签名无效（签名后文件被改动或签名损坏）", _I),
    FailureCode.SIGNATURE_MALFORMED: ("PDF 电子签名的编码不符合本系统的签名格式", _I),
    FailureCode.SIGNATURE_UNTRUSTED: ("PDF 电子签名的证书不是由信任包的根证书签发，或在签署时不在有效期内", _T),
    FailureCode.SIGNATURE_COVERAGE: ("PDF 电子签名没有覆盖整个文件（签名后追加了内容）", _I),
    FailureCode.SIGNER_MISMATCH: ("PDF 电子签名的签名人与链条最后一环的签名人不一致", _I),
    FailureCode.CONTENT_MISMATCH: ("PDF 正文与链条中记录的正文哈希不一致", _I),
    FailureCode.LINK_SIGNATURE_INVALID: ("链条环节的签名无效（环节内容被改动）", _I),
    FailureCode.SIGNER_UNKNOWN: ("环节签名证书不在信任包中", _T),
    FailureCode.UNTRUSTED_CERTIFICATE: ("环节签名证书不是由信任包的根证书签发", _T),
    FailureCode.CERTIFICATE_EXPIRED: ("环节时间不在签名证书有效期内", _T),
    FailureCode.IDENTITY_MISMATCH: ("环节记录的签名人与证书中的签名人不一致", _T),
    FailureCode.FOREIGN_INSTALLATION: ("环节来自另一套系统（安装标识不符）", _T),
    FailureCode.BROKEN_LINK: ("环节没有正确链接到前一环节", _I),
    FailureCode.STAGE_MISSING: ("缺少环节", _I),
    FailureCode.STAGE_ORDER: ("环节顺序错误", _I),
    FailureCode.DUPLICATE_STAGE: ("多个文件声称是同一环节", _I),
    FailureCode.TIME_ORDER: ("环节时间早于前一环节", _C),
    FailureCode.WRONG_ROLE: ("签名人不具有该环节要求的角色", _C),
    FailureCode.WORKFLOW_UNKNOWN: ("信任包中没有该模板版本的审批流程", _C),
    FailureCode.WORKFLOW_VIOLATION: ("环节不符合审批流程", _C),
    FailureCode.MIXED_DOCUMENTS: ("文件属于不同的文书", _I),
    FailureCode.MANIFEST_MISMATCH: ("较早环节文件的链条清单不是最新文件链条清单的前缀", _I),
    FailureCode.FILE_MISMATCH: ("环节文件的哈希与后一环节记录的不一致", _I),
    FailureCode.WORKFLOW_UNFINISHED: ("审批流程尚未完成", _X),
    # An archive volume (docgen-volume/1, ``verify.volume``): its manifest against what it carries.
    FailureCode.VOLUME_MANIFEST_INVALID: ("案卷清单（docgen-volume.json）缺失或无法读取", _I),
    FailureCode.VOLUME_PAGES: ("案卷清单记载的页数与案卷页数不符", _I),
    FailureCode.VOLUME_EXTRA_FILE: ("案卷中附有清单未列出的文件", _I),
    FailureCode.VOLUME_ORIGINAL_MISSING: ("清单列出的原件没有附在案卷中", _I),
    FailureCode.VOLUME_ORIGINAL_MISMATCH: ("附在案卷中的原件与清单记载的 sha256、长度或文书不符", _I),
    FailureCode.VOLUME_ORIGINAL_INVALID: ("案卷中的原件自身的签名链验证未通过", _I),
    FailureCode.PUBLIC_MANIFEST_INVALID: ("公示文本清单（docgen-public.json）缺失或格式错误", _I),
    FailureCode.PUBLIC_MANIFEST_SIGNATURE: ("公示文本清单的签名无效或签名人不在信任包中", _T),
    FailureCode.PUBLIC_CONTENT_MISMATCH: ("公示文本的内容与清单记载的哈希、长度或机关不符", _I),
    FailureCode.PUBLIC_ORIGINAL_MISMATCH: ("所给原件不是公示文本清单所指的那份原件", _I),
    FailureCode.PUBLIC_ORIGINAL_INVALID: ("所给原件自身的签名链验证未通过", _I),
    FailureCode.PUBLIC_TEXT_DIFFERS: ("公示文本与原件的文字有清单未列明的差异", _I),
}
assert set(_MESSAGES) == set(FailureCode)

#: Every failure code with its plain meaning, for pages and documentation.
CODES: dict[str, str] = {code.value: code.message for code in FailureCode}

CAVEAT = ("说明：本验证离线进行，只依赖所给 PDF 与信任包；不检查证书吊销状态；各环节时间由签名人自报，"
          "未经可信时间戳证明；未要求完整性检查时，较早环节可只经最新文件的链条核验，"
          "但无法发现最新文件之后被隐去的环节。")


@dataclass(frozen=True)
class Failure:
    """One reason the verification failed, in plain Chinese, with the technical detail apart."""

    code: FailureCode
    """What failed (its value is the string in the JSON report)."""
    message: str
    """A plain Chinese sentence for a person at an archive: no exception text, no hashes."""
    stage_index: int | None = None
    """The stage (link index) it concerns; ``None`` when it concerns no one stage."""
    file: str | None = None
    """The given file it concerns; ``None`` when it concerns the chain as a whole."""
    detail: str | None = None
    """Technical detail for a specialist (the library's exception, hashes, byte counts); the
    page folds it away."""
    aspect: Aspect | None = None
    """The question it answers ``no`` to; ``None`` means the code's own (``code.aspect``).
    Set only where one code serves two questions: a stage file missing from a set is
    ``stage-missing`` like a gap in the links, but a gap breaks *intact* and a missing
    file only *complete*."""

    @property
    def concerns(self) -> Aspect:
        """The aspect this failure counts against."""
        return self.aspect or self.code.aspect

    def describe(self) -> str:
        where = [f"环节 {self.stage_index}" if self.stage_index is not None else "",
                 f"文件 {self.file}" if self.file else ""]
        suffix = "，".join(part for part in where if part)
        text = f"✗ [{self.code}] {self.message}" + (f"（{suffix}）" if suffix else "")
        return text + (f"\n      技术细节：{self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, Any]:
        """The failure in the JSON report, with the aspect it counts against."""
        return {"code": self.code.value, "message": self.message, "stage_index": self.stage_index,
                "file": self.file, "detail": self.detail, "aspect": self.concerns.value}


@dataclass(frozen=True)
class StageResult:
    """One link of the chain as the latest file records it."""

    index: int
    """Link index, from 0."""
    round: int
    """Approval round, from 1."""
    stage: str
    """Workflow stage id."""
    label: str
    """The stage's label from the trust bundle's workflow (the id when the workflow is unknown)."""
    signer_name: str
    """Who signed, as the link (and the certificate) says."""
    role: str
    """The role the link was signed in."""
    decision: str | None
    """The decision, if the stage has decisions."""
    opinion: str | None
    """The opinion written with it."""
    time: str
    """When it was signed (self-asserted, RFC 3339 UTC)."""
    ok: bool
    """No failure concerns this stage."""
    file: str | None = None
    """The name of the given file that is this stage's own PDF; ``None`` when the stage was
    checked only through the links of a later file."""


@dataclass(frozen=True)
class FileResult:
    """One given file."""

    name: str
    """The file's name as given (a repeated name gets `` (2)``, `` (3)`` …)."""
    stage_index: int | None
    """The stage the file's own manifest says it is; ``None`` when unreadable."""
    is_final: bool
    """This is the latest stage among the files: its links are the chain the report shows."""
    ok: bool
    """No failure concerns this file."""
    sha256: str = ""
    """SHA-256 of the file's bytes."""


@dataclass(frozen=True)
class VerificationReport:
    """The verifier's answer for one set of files: what it found and why it fails, if it does."""

    ok: bool
    """Verified: intact, trusted and conforming, and complete if completeness was asked for."""
    document_id: str | None
    """The document's id from the chain (not the 文书编号)."""
    template: str | None
    """Template id from the chain."""
    final_index: int | None
    """Index of the latest link (the latest file's own stage)."""
    stages: list[StageResult]
    """Every link of the latest file's chain, in order."""
    files: list[FileResult]
    """Every given file, in the order given."""
    failures: list[Failure]
    """Every failure, by stage (general ones last), then by code."""
    template_version: str | None = None
    """Template version from the chain."""
    complete: bool = False
    """Intact, trusted and conforming, and the chain has reached the end of its workflow (the
    last stage with a decision that does not return the document)."""
    intact: bool = False
    """Hashes, link signatures, links between stages and signature coverage all check out."""
    trusted: bool = False
    """Every signature was made with a certificate of the bundle's root, valid at its time,
    for the bundle's installation."""
    conforms: bool = False
    """The chain follows the workflow: stage order, roles, decisions, time order."""
    completeness_checked: bool = False
    """Completeness was asked for (``--complete``): every stage file and the workflow's end
    are then required for ``ok``."""
    template_title: str | None = None
    """The document's title as its signed content PDF states it (``/Title``, e.g.
    行政处罚决定书); ``None`` if the latest file's content could not be read."""
    document_number: str | None = None
    """The 文书编号 as read from the head of the first page of the latest file's signed
    content (e.g. 株市监处罚〔2026〕1号). The chain does not record it as a field, so it is
    read, not verified: ``None`` when no line of the form 字〔年〕号 heads the page (an
    instrument without a number, or a page whose text cannot be extracted)."""
    void: VoidMark | None = None
    """The void (作废) the latest file's chain ends in — reason, who, role, when — or ``None``.
    Whether that link is genuine is what *intact*, *trusted* and *conforms* answer."""

    @property
    def void_line(self) -> str | None:
        """The void in one plain line (``已作废：原因（周局长，2026-12-03T09:00:00Z）``), or ``None``."""
        if self.void is None:
            return None
        return f"已作废：{self.void.reason}（{self.void.signer}，{self.void.time}）"

    @property
    def codes(self) -> set[str]:
        """The codes of every failure, as the JSON report spells them."""
        return {failure.code.value for failure in self.failures}

    @property
    def completeness(self) -> bool | None:
        """Every stage file given and the workflow finished; ``None`` when not asked for."""
        if not self.completeness_checked:
            return None
        return bool(self.stages) and not any(f.concerns is Aspect.COMPLETE for f in self.failures)

    @property
    def given_stages(self) -> list[int]:
        """Indices of the stages given as their own files."""
        return [s.index for s in self.stages if s.file is not None]

    @property
    def linked_stages(self) -> list[int]:
        """Indices of the stages checked only through the links of a later file."""
        return [s.index for s in self.stages if s.file is None]

    def to_dict(self) -> dict[str, Any]:
        """The whole report as JSON-ready data (the ``--json`` output and ``POST /v1/verify``)."""
        data = asdict(self)
        data["failures"] = [failure.to_dict() for failure in self.failures]
        return data

    def summary(self, delimiter: str = ",") -> str:
        """A textual but machine-parsable verdict, in the manner of pyHanko's
        ``SignatureStatus.summary()``: ``INVALID`` when the files are not intact, else
        ``INTACT:`` and the answers to the other questions — ``TRUSTED``/``UNTRUSTED``,
        ``CONFORMS``/``NONCONFORMING``, ``FINISHED``/``UNFINISHED`` (the workflow; a void
        ends it), ``COMPLETE``/``INCOMPLETE`` when completeness was asked for, and ``VOID`` last
        when the chain ends in a void (作废). E.g. ``INTACT:TRUSTED,CONFORMS,UNFINISHED``,
        ``INTACT:TRUSTED,CONFORMS,FINISHED,VOID``."""
        if not self.intact:
            return "INVALID"
        fields = ["TRUSTED" if self.trusted else "UNTRUSTED", "CONFORMS" if self.conforms else "NONCONFORMING",
                  "FINISHED" if self.complete else "UNFINISHED"]
        if self.completeness_checked:
            fields.append("COMPLETE" if self.completeness else "INCOMPLETE")
        if self.void is not None:
            fields.append("VOID")
        return "INTACT:" + delimiter.join(fields)

    def status(self) -> dict[str, Any]:
        """The verdict as data: one boolean per question, ``summary()``, the document, which
        stages were given as files, and the failure codes under the question they answer."""
        by_aspect: dict[str, list[str]] = {aspect.value: [] for aspect in Aspect}
        for failure in self.failures:
            codes = by_aspect[failure.concerns.value]
            if failure.code.value not in codes:
                codes.append(failure.code.value)
        return {
            "summary": self.summary(),
            "ok": self.ok, "intact": self.intact, "trusted": self.trusted, "conforms": self.conforms,
            "complete": self.complete, "completeness": self.completeness,
            "document": {"id": self.document_id, "number": self.document_number, "title": self.template_title,
                         "template": self.template, "template_version": self.template_version},
            "void": None if self.void is None else {**self.void.to_dict(), "summary": self.void_line},
            "final_index": self.final_index, "stage_count": len(self.stages),
            "stages_given_as_files": self.given_stages, "stages_checked_through_links": self.linked_stages,
            "failures": by_aspect,
        }

    def verdict(self) -> str:
        """One plain sentence: the conclusion and, when it fails, which questions fail."""
        if self.ok:
            return "验证通过"
        failed = [aspect.label for aspect in Aspect if any(f.concerns is aspect for f in self.failures)]
        return f"验证未通过（{'、'.join(failed)}：否）" if failed else "验证未通过"

    def describe(self) -> str:
        """The report in plain Chinese, for a person at an archive."""
        lines = [f"验证结论：{'通过' if self.ok else '未通过'}"]
        if self.document_id is not None:
            final = next((s for s in self.stages if s.index == self.final_index), None)
            final_file = next((f.name for f in self.files if f.is_final), None)
            title = self.template_title or self.template
            number = f"，文书编号 {self.document_number}" if self.document_number else "，文书编号未能从页面识读"
            lines.append(f"文书：{title}{number}（模板 {self.template} 第 {self.template_version} 版，"
                         f"文书标识 {self.document_id}）")
            lines.append(f"共 {len(self.stages)} 个环节；最终环节：第 {self.final_index} 环节"
                         f"{' ' + final.label if final else ''}"
                         f"{'（文件 ' + final_file + '）' if final_file else ''}")
            checks = [(Aspect.INTACT, self.intact), (Aspect.TRUSTED, self.trusted), (Aspect.CONFORMS, self.conforms)]
            if self.completeness_checked:
                checks.append((Aspect.COMPLETE, bool(self.completeness)))
            lines.append("核验项：" + "；".join(f"{aspect.label} {'✓' if passed else '✗'}" for aspect, passed in checks))
            sound = self.intact and self.trusted and self.conforms
            if self.void is not None:
                lines.append(f"效力：{self.void_line}" if sound else f"效力：链条记录{self.void_line}，但验证未通过，无法确认")
            lines.append("审批流程：" + (("已作废" if self.void else "已完成" if self.complete else "尚未完成") if sound
                                        else "验证未通过，无法确认"))
            linked = self.linked_stages
            if linked and self.stages:
                lines.append(f"提供了文件的环节：{_indices(self.given_stages)}；仅经最新文件的链条核验的环节："
                             f"{_indices(linked)}")
        if self.stages:
            lines.append("环节：")
            for s in self.stages:
                decision = f"：{s.decision}" if s.decision else ""
                opinion = f"；意见：{s.opinion}" if s.opinion else ""
                source = f"〔文件 {s.file}〕" if s.file else "〔经链条核验〕"
                lines.append(f"  {'✓' if s.ok else '✗'} [{s.index}] 第 {s.round} 轮 {s.label} — "
                             f"{s.signer_name}（{s.role}），{s.time}{decision}{opinion} {source}")
        if self.files:
            lines.append("文件：")
            for f in self.files:
                stage = f"环节 {f.stage_index}" if f.stage_index is not None else "环节不明"
                lines.append(f"  {'✓' if f.ok else '✗'} {f.name}：{stage}{'（最终）' if f.is_final else ''}")
        if self.failures:
            lines.append("问题：")
            lines.extend("  " + failure.describe() for failure in self.failures)
        if self.document_id is not None and self.document_number:
            lines.append("注：文书编号从最新文件第一页的文字识读；它在签名覆盖的正文中，但链条清单不单独记录它。")
        lines.append(CAVEAT)
        return "\n".join(lines)


def _indices(indices: list[int]) -> str:
    return "、".join(str(index) for index in indices) if indices else "无"
