"""The offline verifier: stage PDFs + a trust bundle in, a self-explaining report out.

Needs no database, network or server. Mechanics and policy are separate
(as in sigstore-python): the verifier does cryptography and structure — PAdES
signatures (pyHanko, ECDSA P-256 / SHA-256, trust root = the bundle's root,
``allow_fetching=False``), link signatures (ECDSA P-256 / SHA-256), hashes,
prefixes; a ``VerificationPolicy`` built from the bundle judges whether the
chain is an allowed one (installation, roles, workflow order, time order).

Revocation is NOT checked: the bundle carries no CRL/OCSP and nothing is
fetched. Certificates are validated at the time each link claims, which is
self-asserted by the signer (no RFC 3161 timestamp). See ``describe()``.
"""
from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import Any, Iterable, Mapping, Sequence

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .chain import ISSUANCE, Link, Manifest, verify_link_signature
from .errors import VerificationError
from .pki import issued_by
from .sealing import manifest_bytes
from .trust import TrustBundle, TrustedSigner, workflow_key
from .workflow import WorkflowStage, next_step

#: Every failure code, with what it means.
CODES: dict[str, str] = {
    "no-files": "没有提供任何文件",
    "unreadable-pdf": "文件不是可读取的 PDF",
    "manifest-missing": "PDF 中没有签批链条清单",
    "manifest-invalid": "签批链条清单格式错误",
    "signature-missing": "PDF 没有电子签名",
    "signature-count": "PDF 应恰有一个电子签名",
    "signature-invalid": "PDF 电子签名无效（签名后文件被改动或签名损坏）",
    "signature-malformed": "PDF 电子签名的编码不符合本系统的签名格式",
    "signature-untrusted": "PDF 电子签名的证书不是由信任包的根证书签发，或在签署时不在有效期内",
    "signature-coverage": "PDF 电子签名没有覆盖整个文件（签名后追加了内容）",
    "signer-mismatch": "PDF 电子签名的签名人与链条最后一环的签名人不一致",
    "content-mismatch": "PDF 正文与链条中记录的正文哈希不一致",
    "link-signature-invalid": "链条环节的签名无效（环节内容被改动）",
    "signer-unknown": "环节签名证书不在信任包中",
    "untrusted-certificate": "环节签名证书不是由信任包的根证书签发",
    "certificate-expired": "环节时间不在签名证书有效期内",
    "identity-mismatch": "环节记录的签名人与证书中的签名人不一致",
    "foreign-installation": "环节来自另一套系统（安装标识不符）",
    "broken-link": "环节没有正确链接到前一环节",
    "stage-missing": "缺少环节",
    "stage-order": "环节顺序错误",
    "duplicate-stage": "多个文件声称是同一环节",
    "time-order": "环节时间早于前一环节",
    "wrong-role": "签名人不具有该环节要求的角色",
    "workflow-unknown": "信任包中没有该模板版本的审批流程",
    "workflow-violation": "环节不符合审批流程",
    "mixed-documents": "文件属于不同的文书",
    "manifest-mismatch": "较早环节文件的链条清单不是最新文件链条清单的前缀",
    "file-mismatch": "环节文件的哈希与后一环节记录的不一致",
}
_CAVEAT = ("说明：本验证离线进行，只依赖所给 PDF 与信任包；不检查证书吊销状态；各环节时间由签名人自报，"
           "未经可信时间戳证明；只提供部分文件时，无法发现其后被隐去的环节。")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    stage_index: int | None = None
    file: str | None = None

    def describe(self) -> str:
        where = [f"环节 {self.stage_index}" if self.stage_index is not None else "",
                 f"文件 {self.file}" if self.file else ""]
        suffix = "，".join(part for part in where if part)
        return f"✗ [{self.code}] {self.message}" + (f"（{suffix}）" if suffix else "")


@dataclass(frozen=True)
class StageResult:
    index: int
    round: int
    stage: str
    label: str
    signer_name: str
    role: str
    decision: str | None
    opinion: str | None
    time: str
    ok: bool


@dataclass(frozen=True)
class FileResult:
    name: str
    stage_index: int | None
    is_final: bool
    ok: bool
    sha256: str = ""


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    document_id: str | None
    template: str | None
    final_index: int | None
    stages: list[StageResult]
    files: list[FileResult]
    failures: list[Failure]
    template_version: str | None = None
    complete: bool = False

    @property
    def codes(self) -> set[str]:
        return {failure.code for failure in self.failures}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """The report in plain Chinese, for a person at an archive."""
        lines = [f"验证结论：{'通过' if self.ok else '未通过'}"]
        if self.document_id is not None:
            final = next((s for s in self.stages if s.index == self.final_index), None)
            final_file = next((f.name for f in self.files if f.is_final), None)
            lines.append(f"文书：{self.document_id}（模板 {self.template} 第 {self.template_version} 版），"
                         f"共 {len(self.stages)} 个环节；最终环节：第 {self.final_index} 环节"
                         f"{' ' + final.label if final else ''}"
                         f"{'（文件 ' + final_file + '）' if final_file else ''}")
            lines.append("审批流程：" + (("已完成" if self.complete else "尚未完成") if self.ok
                                        else "验证未通过，无法确认"))
        if self.stages:
            lines.append("环节：")
            for s in self.stages:
                decision = f"：{s.decision}" if s.decision else ""
                opinion = f"；意见：{s.opinion}" if s.opinion else ""
                lines.append(f"  {'✓' if s.ok else '✗'} [{s.index}] 第 {s.round} 轮 {s.label} — "
                             f"{s.signer_name}（{s.role}），{s.time}{decision}{opinion}")
        if self.files:
            lines.append("文件：")
            for f in self.files:
                stage = f"环节 {f.stage_index}" if f.stage_index is not None else "环节不明"
                lines.append(f"  {'✓' if f.ok else '✗'} {f.name}：{stage}{'（最终）' if f.is_final else ''}")
        if self.failures:
            lines.append("问题：")
            lines.extend("  " + failure.describe() for failure in self.failures)
        lines.append(_CAVEAT)
        return "\n".join(lines)


# --------------------------------------------------------------------------- policy


class VerificationPolicy:
    """Judges a chain against the bundle's installation, signer roles and workflows."""

    def __init__(self, installation_id: str, workflows: Mapping[str, Sequence[WorkflowStage]],
                 signers: Mapping[str, TrustedSigner]) -> None:
        self.installation_id = installation_id
        self.workflows = {key: tuple(stages) for key, stages in workflows.items()}
        self.signers = dict(signers)

    @classmethod
    def from_bundle(cls, trust: TrustBundle) -> "VerificationPolicy":
        return cls(trust.installation_id, trust.workflows,
                   {signer.certificate_sha256: signer for signer in trust.signers})

    def _flow(self, link: Link) -> tuple[WorkflowStage, ...] | None:
        return self.workflows.get(workflow_key(link.template, link.template_version))

    def label(self, link: Link) -> str:
        flow = self._flow(link) or ()
        return next((stage.label for stage in flow if stage.id == link.stage), link.stage)

    def is_complete(self, links: Sequence[Link]) -> bool:
        """The last link is the workflow's last stage with a decision that does not return it."""
        if not links:
            return False
        flow = self._flow(links[-1])
        last = links[-1]
        return bool(flow) and last.stage == flow[-1].id and last.decision not in flow[-1].returns

    def judge(self, links: Sequence[Link]) -> list[Failure]:
        failures: list[Failure] = []

        def fail(code: str, message: str, link: Link) -> None:
            failures.append(Failure(code, message, link.index))

        if not links:
            return failures
        flow = self._flow(links[0])
        if flow is None:
            fail("workflow-unknown", f"信任包中没有 {links[0].template} 第 {links[0].template_version} 版的审批流程",
                 links[0])
        by_id = {stage.id: stage for stage in flow or ()}
        previous: Link | None = None
        for link in links:
            if link.installation_id != self.installation_id:
                fail("foreign-installation", f"环节的安装标识 {link.installation_id} 与信任包的 "
                     f"{self.installation_id} 不符", link)
            if previous is not None and link.time < previous.time:
                fail("time-order", f"环节时间 {link.time} 早于前一环节的 {previous.time}", link)
            stage = by_id.get(link.stage)
            if flow is not None:
                failures.extend(self._sequence(link, previous, stage, by_id, flow))
            if stage is not None and link.role != stage.role:
                fail("wrong-role", f"环节“{stage.label}”应由 {stage.role} 签署，环节记录的角色却是 {link.role}", link)
            signer = self.signers.get(link.certificate_sha256)
            if signer is not None and link.role not in signer.roles:
                fail("wrong-role", f"签名人 {signer.name} 的证书角色为 {', '.join(signer.roles)}，"
                     f"不含 {link.role}", link)
            previous = link
        return failures

    @staticmethod
    def _sequence(link: Link, previous: Link | None, stage: WorkflowStage | None,
                  by_id: Mapping[str, WorkflowStage], flow: Sequence[WorkflowStage]) -> list[Failure]:
        out: list[Failure] = []

        def violation(message: str) -> None:
            out.append(Failure("workflow-violation", message, link.index))

        if stage is None:
            violation(f"流程中没有环节 {link.stage!r}")
            return out
        if stage.decisions and link.decision not in stage.decisions:
            violation(f"环节“{stage.label}”的决定 {link.decision!r} 不在允许的 {'、'.join(stage.decisions)} 之中")
        if not stage.decisions and link.decision is not None:
            violation(f"环节“{stage.label}”不应有决定，却记录了 {link.decision!r}")
        if previous is None:
            if link.stage != ISSUANCE or link.round != 1:
                violation("链条应以第 1 轮签发开始")
            return out
        before = by_id.get(previous.stage)
        if before is None:
            return out  # already reported on the previous link
        step = next_step(flow, previous.stage, previous.decision, previous.round)
        if step is None:
            violation(f"审批流程已在“{before.label}”结束，其后不应再有环节")
            return out
        expected, expected_round = step
        if expected_round != previous.round:
            why = f"前一环节“{before.label}”决定 {previous.decision}，文书应退回承办部门重新签发"
        else:
            why = f"“{before.label}”之后应为“{expected.label}”"
        if link.stage != expected.id:
            violation(f"{why}，实际为“{stage.label}”")
        if link.round != expected_round:
            violation(f"轮次应为 {expected_round}，实际为 {link.round}")
        return out


# --------------------------------------------------------------------------- mechanics


@dataclass
class _Inspected:
    name: str
    data: bytes
    sha256: str
    manifest: Manifest | None = None
    failures: list[Failure] = field(default_factory=list)

    @property
    def index(self) -> int | None:
        return None if self.manifest is None else self.manifest.last.index

    @property
    def links(self) -> tuple[Link, ...]:
        return () if self.manifest is None else self.manifest.links

    def fail(self, code: str, message: str) -> None:
        self.failures.append(Failure(code, message, self.index, self.name))


def verify(files: Iterable[tuple[str, bytes]], trust: TrustBundle,
           policy: VerificationPolicy | None = None) -> VerificationReport:
    """Verify stage PDFs of one document against ``trust``; never raises for bad PDFs.

    Synchronous wrapper: inside a running event loop, await ``verify_async``.
    """
    return asyncio.run(verify_async(files, trust, policy))


async def verify_async(files: Iterable[tuple[str, bytes]], trust: TrustBundle,
                       policy: VerificationPolicy | None = None) -> VerificationReport:
    policy = policy or VerificationPolicy.from_bundle(trust)
    root = asn1_x509.Certificate.load(trust.root_certificate.public_bytes(serialization.Encoding.DER))
    inspected = [await _inspect(name, data, trust, root) for name, data in _unique_names(files)]
    failures = [] if inspected else [Failure("no-files", CODES["no-files"])]
    placed = [item for item in inspected if item.manifest is not None]
    final = max(placed, key=lambda item: item.index or 0, default=None)  # the first of the highest index
    links = final.links if final is not None else ()
    if final is not None:
        belonging = _set_aside_other_documents(placed, final)
        failures += _check_links(links, trust)
        failures += policy.judge(links)
        failures += _check_set(belonging, final, links, several=len(inspected) > 1)
    for item in inspected:
        failures += item.failures
    failures.sort(key=lambda f: (f.stage_index if f.stage_index is not None else 10**9, f.code))
    return _report(inspected, final, links, failures, policy)


def _set_aside_other_documents(placed: Sequence[_Inspected], final: _Inspected) -> list[_Inspected]:
    """Files of the final file's document; the others get ``mixed-documents`` and lose their stage."""
    document_id = final.links[0].document_id
    belonging = []
    for item in placed:
        theirs = item.links[0].document_id
        if theirs == document_id:
            belonging.append(item)
            continue
        item.failures = [Failure(f.code, f.message, None, f.file) for f in item.failures]
        item.failures.append(Failure("mixed-documents", f"文件属于文书 {theirs}，而最终环节文件属于 {document_id}",
                                     None, item.name))
    return belonging


def _report(inspected: Sequence[_Inspected], final: _Inspected | None, links: Sequence[Link],
            failures: list[Failure], policy: VerificationPolicy) -> VerificationReport:
    bad_stages = {f.stage_index for f in failures if f.stage_index is not None}
    bad_files = {f.file for f in failures if f.file is not None}
    stages = [StageResult(link.index, link.round, link.stage, policy.label(link), link.signer_name, link.role,
                          link.decision, link.opinion, link.time, link.index not in bad_stages)
              for link in links]
    files = [FileResult(item.name, item.index, item is final, item.name not in bad_files, item.sha256)
             for item in inspected]
    first = links[0] if links else None
    ok = not failures and bool(links)
    return VerificationReport(
        ok=ok, document_id=first.document_id if first else None, template=first.template if first else None,
        final_index=links[-1].index if links else None, stages=stages, files=files, failures=failures,
        template_version=first.template_version if first else None,
        complete=ok and policy.is_complete(links))


def _unique_names(files: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    seen: dict[str, int] = {}
    out = []
    for name, data in files:
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name} ({seen[name]})", bytes(data)))
    return out


async def _inspect(name: str, data: bytes, trust: TrustBundle, root: asn1_x509.Certificate) -> _Inspected:
    """Everything that can be checked on one file alone."""
    item = _Inspected(name, data, hashlib.sha256(data).hexdigest())
    try:
        reader = PdfFileReader(BytesIO(data))
    except Exception as exc:  # pyHanko raises many types on damaged files
        item.fail("unreadable-pdf", f"{CODES['unreadable-pdf']}：{exc}")
        return item
    try:
        raw = manifest_bytes(reader)
    except VerificationError as exc:
        item.fail("manifest-invalid", exc.detail)
        raw = b""
    if raw is None:
        item.fail("manifest-missing", CODES["manifest-missing"])
    elif raw:
        try:
            manifest = Manifest.from_json(raw)
        except VerificationError as exc:
            item.fail("manifest-invalid", exc.detail)
        else:
            item.manifest = manifest
            if manifest.to_json() != raw:
                item.fail("manifest-invalid", "签批链条清单不是规范 JSON 编码")
    link = item.manifest.last if item.manifest else None
    try:
        signatures = reader.embedded_signatures
    except Exception as exc:
        item.fail("signature-invalid", f"无法读取电子签名：{exc}")
        signatures = None
    if signatures is None:
        pass
    elif not signatures:
        item.fail("signature-missing", CODES["signature-missing"])
    elif len(signatures) > 1:
        item.fail("signature-count", f"PDF 有 {len(signatures)} 个电子签名，应恰有一个")
    else:
        try:
            await _check_pades(item, signatures[0], link, trust, root)
        except Exception as exc:  # a damaged signature dictionary can break pyHanko anywhere
            item.fail("signature-invalid", f"{CODES['signature-invalid']}：{exc}")
    if link is not None:
        prefix = data[: link.content_length]
        if len(data) <= link.content_length or hashlib.sha256(prefix).hexdigest() != link.content_sha256:
            item.fail("content-mismatch", f"文件前 {link.content_length} 字节的哈希与链条记录的正文哈希不一致")
    return item


async def _check_pades(item: _Inspected, signature: Any, link: Link | None, trust: TrustBundle,
                       root: asn1_x509.Certificate) -> None:
    if str(signature.sig_object.get("/SubFilter")) != "/ETSI.CAdES.detached":
        item.fail("signature-invalid", "电子签名不是 PAdES（ETSI.CAdES.detached）签名")
        return
    moment = link.moment if link is not None else None
    context = ValidationContext(trust_roots=[root], allow_fetching=False, moment=moment)
    try:
        status = await async_validate_pdf_signature(signature, context, skip_diff=True)
    except Exception as exc:
        item.fail("signature-invalid", f"{CODES['signature-invalid']}：{exc}")
        return
    finally:
        closing = getattr(context, "aclose", None)
        if closing is not None:
            await closing()
    if not (status.intact and status.valid):
        item.fail("signature-invalid", CODES["signature-invalid"])
        return
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        item.fail("signature-coverage", CODES["signature-coverage"])
    if not status.trusted:
        item.fail("signature-untrusted", CODES["signature-untrusted"])
    signer_sha = hashlib.sha256(signature.signer_cert.dump()).hexdigest()
    if link is not None and signer_sha != link.certificate_sha256:
        item.fail("signer-mismatch", f"PDF 签名证书 {signer_sha[:16]}… 与链条最后一环的证书 "
                  f"{link.certificate_sha256[:16]}… 不同")
    problem = _cms_problem(item.data, signature, trust, signer_sha)
    if problem:
        item.fail("signature-malformed", f"{CODES['signature-malformed']}：{problem}")


_SHA256_ALGORITHMS = {bytes.fromhex("300d06096086480165030402010500"), bytes.fromhex("300b0609608648016503040201")}
_ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")
_HEX_GAP = re.compile(rb"<([0-9A-F]+)>")


def _cms_problem(data: bytes, signature: Any, trust: TrustBundle, signer_sha: str) -> str | None:
    """Why the bytes of ``/Contents`` are not exactly what docgen's signer writes, or ``None``.

    ``/Contents`` is the one region the signature cannot cover. pyHanko decodes
    it leniently (hex case, whitespace, padding, certificates it does not need),
    so without this check some changes to a signed file would go unnoticed.
    """
    _, start, end, tail = (int(v) for v in signature.byte_range)
    if end + tail != len(data):
        return "签名范围与文件长度不符"
    gap = _HEX_GAP.fullmatch(data[start:end])
    if gap is None:
        return "/Contents 应为大写十六进制字符串"
    raw = bytes.fromhex(gap.group(1).decode("ascii"))
    try:
        info = cms.ContentInfo.load(raw, strict=False)
        der = info.dump()
        if raw[len(der):].strip(b"\0"):
            return "签名数据之后的补白不全为零"
        if info["content_type"].native != "signed_data":
            return "不是 CMS SignedData"
        sd = info["content"]
        if sd["version"].native != "v1" or sd["crls"].native is not None:
            return "SignedData 版本或 CRL 字段不符"
        if [a.dump() for a in sd["digest_algorithms"]] not in ([a] for a in _SHA256_ALGORITHMS):
            return "摘要算法应只有 SHA-256"
        if sd["encap_content_info"].native != {"content_type": "data", "content": None}:
            return "封装内容应为空的 data"
        certs = [c.chosen.dump() for c in sd["certificates"] if c.name == "certificate"]
        if len(certs) != len(sd["certificates"]) or len(set(certs)) != len(certs):
            return "证书列表含非 X.509 证书或重复证书"
        allowed = {trust.root_certificate.public_bytes(serialization.Encoding.DER)}
        signer = trust.signer(signer_sha)
        if signer is not None:
            allowed.add(signer.certificate.public_bytes(serialization.Encoding.DER))
        if any(cert not in allowed for cert in certs):
            return "签名中嵌入了信任包以外或被改动的证书"
        if len(sd["signer_infos"]) != 1:
            return "应恰有一个 SignerInfo"
        si = sd["signer_infos"][0]
        if si["version"].native != "v1" or si["sid"].name != "issuer_and_serial_number":
            return "SignerInfo 版本或签名人标识不符"
        if si["digest_algorithm"].dump() not in _SHA256_ALGORITHMS or si["signature_algorithm"].dump() != _ECDSA_SHA256:
            return "SignerInfo 算法应为 SHA-256 与 ECDSA-SHA256"
        if si["unsigned_attrs"].native is not None:
            return "SignerInfo 含未签名属性"
    except (ValueError, TypeError, KeyError) as exc:
        return f"无法解析签名数据：{exc}"
    return None


def _check_links(links: Sequence[Link], trust: TrustBundle) -> list[Failure]:
    """Cryptography and structure of the chain itself: hashes, signatures, certificates."""
    failures: list[Failure] = []
    for position, link in enumerate(links):
        def fail(code: str, message: str) -> None:
            failures.append(Failure(code, message, link.index))

        if link.index != position:
            if link.index > position:
                fail("stage-missing", f"链条中缺少环节 {position}–{link.index - 1}")
            else:
                fail("stage-order", f"链条第 {position} 位记录的序号为 {link.index}")
        if position == 0:
            if link.previous_link_sha256 is not None or link.previous_file_sha256 is not None:
                fail("broken-link", "首个环节不应指向前一环节")
        else:
            previous = links[position - 1]
            if link.previous_link_sha256 != previous.link_sha256:
                fail("broken-link", f"环节记录的前一环节哈希与环节 {previous.index} 的哈希不符")
            if link.previous_file_sha256 is None:
                fail("broken-link", "环节没有记录前一环节文件的哈希")
        first = links[0]
        if (link.document_id, link.template, link.template_version) != (
                first.document_id, first.template, first.template_version):
            fail("mixed-documents", "同一链条中的环节属于不同文书或模板版本")
        signer = trust.signer(link.certificate_sha256)
        if signer is None:
            fail("signer-unknown", f"证书 {link.certificate_sha256[:16]}…（{link.signer_name}）不在信任包中")
            continue
        if not issued_by(signer.certificate, trust.root_certificate):
            fail("untrusted-certificate", f"{signer.name} 的证书不是由信任包的根证书签发")
        if not verify_link_signature(link, signer.certificate):
            fail("link-signature-invalid", CODES["link-signature-invalid"])
        moment = link.moment
        if not signer.certificate.not_valid_before_utc <= moment <= signer.certificate.not_valid_after_utc:
            fail("certificate-expired", f"环节时间 {link.time} 不在证书有效期 {signer.not_before} 至 "
                 f"{signer.not_after} 之内")
        if (link.principal_id, link.signer_name) != (signer.principal_id, signer.name):
            fail("identity-mismatch", f"环节记录为 {link.signer_name}（{link.principal_id}），"
                 f"证书属于 {signer.name}（{signer.principal_id}）")
    return failures


def _check_set(items: Sequence[_Inspected], final: _Inspected, links: Sequence[Link],
               several: bool) -> list[Failure]:
    """Several files of one document: same history, hashes chained, none missing or doubled."""
    failures: list[Failure] = []
    by_index: dict[int, list[_Inspected]] = {}
    for item in items:
        if item.manifest is None or item.index is None or final.manifest is None:
            continue
        by_index.setdefault(item.index, []).append(item)
        if item is final:
            continue
        if not item.manifest.is_prefix_of(final.manifest):
            failures.append(Failure("manifest-mismatch", f"{item.name} 的链条清单与最终环节文件 {final.name} "
                                    "记录的历史不同", item.index, item.name))
        following = links[item.index + 1] if item.index + 1 < len(links) else None
        if following is not None and following.previous_file_sha256 != item.sha256:
            failures.append(Failure("file-mismatch", f"{item.name} 的 SHA-256 与环节 {following.index} 记录的"
                                    "前一环节文件哈希不符", item.index, item.name))
    for index, group in sorted(by_index.items()):
        if len(group) > 1:
            names = "、".join(item.name for item in group)
            failures.extend(Failure("duplicate-stage", f"{names} 都声称是环节 {index}", index, item.name)
                            for item in group)
    if several:
        for index in range(len(links)):
            if index not in by_index:
                failures.append(Failure("stage-missing", f"缺少环节 {index} 的文件", index, None))
    return failures
