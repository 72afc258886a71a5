"""The offline verifier: stage PDFs + a trust bundle in, a self-explaining report out.

Needs no database, network or server. Mechanics and policy are separate (as in
sigstore-python): the verifier does cryptography and structure — PAdES
signatures (``_cms``: pyHanko, ECDSA P-256 / SHA-256, trust root = the bundle's
root, ``allow_fetching=False``), link signatures (ECDSA P-256 / SHA-256),
hashes, prefixes; a ``VerificationPolicy`` built from the bundle judges whether
the chain is an allowed one (installation, roles, workflow order, time order).

The latest file's chain vouches for every earlier stage: its links are signed
and each names the SHA-256 of the previous stage's complete PDF. So any set of
genuine files of one document verifies, and each earlier file given is checked
against the link after it. Whether *every* stage file was given and the
workflow has ended is a separate question, answered only when asked
(``require_complete``).

Revocation is NOT checked: the bundle carries no CRL/OCSP and nothing is
fetched. Certificates are validated at the time each link claims, which is
self-asserted by the signer (no RFC 3161 timestamp). See ``models.CAVEAT``.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import Iterable, Sequence

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader

from ..chain import Link, Manifest, VoidMark, verify_link_signature
from ..errors import VerificationError
from ..pki import issued_by
from ..sealing import manifest_bytes
from ..trust import TrustBundle
from ._cms import check_pades, root_certificate
from ._content import read_facts
from .models import Aspect, Failure, FailureCode, FileResult, StageResult, VerificationReport
from .policy import VerificationPolicy


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

    def fail(self, code: FailureCode, message: str | None = None, detail: str | None = None) -> None:
        self.failures.append(Failure(code, message or code.message, self.index, self.name, detail))


def verify(files: Iterable[tuple[str, bytes]], trust: TrustBundle, policy: VerificationPolicy | None = None,
           *, require_complete: bool = False) -> VerificationReport:
    """Verify stage PDFs of one document against ``trust``; never raises for bad PDFs.

    Synchronous wrapper: inside a running event loop, await ``verify_async``.
    """
    return asyncio.run(verify_async(files, trust, policy, require_complete=require_complete))


async def verify_async(files: Iterable[tuple[str, bytes]], trust: TrustBundle,
                       policy: VerificationPolicy | None = None, *,
                       require_complete: bool = False) -> VerificationReport:
    """Verify stage PDFs of one document; with ``require_complete``, also require a file for
    every stage of the chain and a chain that has reached the end of its workflow."""
    policy = policy or VerificationPolicy.from_bundle(trust)
    root = root_certificate(trust)
    inspected = [await _inspect(name, data, trust, root) for name, data in _unique_names(files)]
    failures = [] if inspected else [Failure(FailureCode.NO_FILES, FailureCode.NO_FILES.message)]
    placed = [item for item in inspected if item.manifest is not None]
    final = max(placed, key=lambda item: item.index or 0, default=None)  # the first of the highest index
    links = final.links if final is not None else ()
    belonging: list[_Inspected] = []
    if final is not None:
        belonging = _set_aside_other_documents(placed, final)
        failures += _check_links(links, trust)
        failures += policy.judge(links)
        failures += _check_set(belonging, final, links)
        if require_complete:
            failures += _check_complete(belonging, links, policy)
    for item in inspected:
        failures += item.failures
    failures.sort(key=lambda f: (f.stage_index if f.stage_index is not None else 10**9, f.code.value))
    return _report(inspected, belonging, final, links, failures, policy, require_complete)


def _set_aside_other_documents(placed: Sequence[_Inspected], final: _Inspected) -> list[_Inspected]:
    """Files of the final file's document; the others get ``mixed-documents`` and lose their stage."""
    document_id = final.links[0].document_id
    belonging = []
    for item in placed:
        theirs = item.links[0].document_id
        if theirs == document_id:
            belonging.append(item)
            continue
        item.failures = [Failure(f.code, f.message, None, f.file, f.detail, f.aspect) for f in item.failures]
        item.failures.append(Failure(FailureCode.MIXED_DOCUMENTS, "文件属于另一份文书，不是最新环节文件所属的文书",
                                     None, item.name, f"文件的文书标识 {theirs}，最新环节文件的 {document_id}"))
    return belonging


def _report(inspected: Sequence[_Inspected], belonging: Sequence[_Inspected], final: _Inspected | None,
            links: Sequence[Link], failures: list[Failure], policy: VerificationPolicy,
            require_complete: bool) -> VerificationReport:
    bad_stages = {f.stage_index for f in failures if f.stage_index is not None}
    bad_files = {f.file for f in failures if f.file is not None}
    given: dict[int, str] = {}
    for item in belonging:
        if item.index is not None:
            given.setdefault(item.index, item.name)
    stages = [StageResult(link.index, link.round, link.stage, policy.label(link), link.signer_name, link.role,
                          link.decision, link.opinion, link.time, link.index not in bad_stages,
                          given.get(link.index))
              for link in links]
    files = [FileResult(item.name, item.index, item is final, item.name not in bad_files, item.sha256)
             for item in inspected]
    first = links[0] if links else None
    failed = {failure.concerns for failure in failures}
    intact, trusted, conforms = (bool(links) and aspect not in failed
                                 for aspect in (Aspect.INTACT, Aspect.TRUSTED, Aspect.CONFORMS))
    ok = not failures and bool(links)
    title = number = None
    if final is not None and intact:  # the content prefix is then exactly the signed content
        title, number = read_facts(final.data[: final.links[-1].content_length])
    return VerificationReport(
        ok=ok, document_id=first.document_id if first else None, template=first.template if first else None,
        final_index=links[-1].index if links else None, stages=stages, files=files, failures=failures,
        template_version=first.template_version if first else None,
        complete=intact and trusted and conforms and policy.is_complete(links), intact=intact, trusted=trusted, conforms=conforms,
        completeness_checked=require_complete, template_title=title, document_number=number,
        void=VoidMark.of(links))


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
        item.fail(FailureCode.UNREADABLE_PDF, detail=f"{type(exc).__name__}: {exc}")
        return item
    try:
        raw = manifest_bytes(reader)
    except VerificationError as exc:
        item.fail(FailureCode.MANIFEST_INVALID, "PDF 中的签批链条清单无法读取", exc.detail)
        raw = b""
    if raw is None:
        item.fail(FailureCode.MANIFEST_MISSING)
    elif raw:
        try:
            manifest = Manifest.from_json(raw)
        except VerificationError as exc:
            item.fail(FailureCode.MANIFEST_INVALID, detail=exc.detail)
        else:
            item.manifest = manifest
            if manifest.to_json() != raw:
                item.fail(FailureCode.MANIFEST_INVALID, detail="签批链条清单不是规范 JSON 编码（RFC 8785）")
    link = item.manifest.last if item.manifest else None
    try:
        signatures = reader.embedded_signatures
    except Exception as exc:
        item.fail(FailureCode.SIGNATURE_INVALID, "PDF 的电子签名无法读取", f"{type(exc).__name__}: {exc}")
        signatures = None
    if signatures is None:
        pass
    elif not signatures:
        item.fail(FailureCode.SIGNATURE_MISSING)
    elif len(signatures) > 1:
        item.fail(FailureCode.SIGNATURE_COUNT, f"PDF 有 {len(signatures)} 个电子签名，应恰有一个")
    else:
        for code, message, detail in await check_pades(data, signatures[0], link, trust, root):
            item.fail(code, message, detail)
    if link is not None:
        prefix = data[: link.content_length]
        if len(data) <= link.content_length or hashlib.sha256(prefix).hexdigest() != link.content_sha256:
            item.fail(FailureCode.CONTENT_MISMATCH,
                      detail=f"文件前 {link.content_length} 字节的 SHA-256 不是链条记录的 {link.content_sha256}")
    return item


def _check_links(links: Sequence[Link], trust: TrustBundle) -> list[Failure]:
    """Cryptography and structure of the chain itself: hashes, signatures, certificates."""
    failures: list[Failure] = []
    for position, link in enumerate(links):
        def fail(code: FailureCode, message: str | None = None, detail: str | None = None) -> None:
            failures.append(Failure(code, message or code.message, link.index, detail=detail))

        if link.index != position:
            if link.index > position:
                fail(FailureCode.STAGE_MISSING, f"链条中缺少环节 {position}–{link.index - 1}")
            else:
                fail(FailureCode.STAGE_ORDER, f"链条第 {position} 位记录的序号为 {link.index}")
        if position == 0:
            if link.previous_link_sha256 is not None or link.previous_file_sha256 is not None:
                fail(FailureCode.BROKEN_LINK, "首个环节不应指向前一环节")
        else:
            previous = links[position - 1]
            if link.previous_link_sha256 != previous.link_sha256:
                fail(FailureCode.BROKEN_LINK, f"环节记录的前一环节哈希与环节 {previous.index} 的哈希不符",
                     f"记录的 {link.previous_link_sha256}，实际的 {previous.link_sha256}")
            if link.previous_file_sha256 is None:
                fail(FailureCode.BROKEN_LINK, "环节没有记录前一环节文件的哈希")
        first = links[0]
        if (link.document_id, link.template, link.template_version) != (
                first.document_id, first.template, first.template_version):
            fail(FailureCode.MIXED_DOCUMENTS, "同一链条中的环节属于不同文书或模板版本")
        signer = trust.signer(link.certificate_sha256)
        if signer is None:
            fail(FailureCode.SIGNER_UNKNOWN, f"{link.signer_name} 的签名证书不在信任包中",
                 f"证书 SHA-256 {link.certificate_sha256}")
            continue
        if not issued_by(signer.certificate, trust.root_certificate):
            fail(FailureCode.UNTRUSTED_CERTIFICATE, f"{signer.name} 的证书不是由信任包的根证书签发")
        if not verify_link_signature(link, signer.certificate):
            fail(FailureCode.LINK_SIGNATURE_INVALID)
        moment = link.moment
        if not signer.certificate.not_valid_before_utc <= moment <= signer.certificate.not_valid_after_utc:
            fail(FailureCode.CERTIFICATE_EXPIRED, f"环节时间 {link.time} 不在证书有效期 {signer.not_before} 至 "
                 f"{signer.not_after} 之内")
        if (link.principal_id, link.signer_name) != (signer.principal_id, signer.name):
            fail(FailureCode.IDENTITY_MISMATCH, f"环节记录的签名人为 {link.signer_name}，证书属于 {signer.name}",
                 f"环节记录的主体 {link.principal_id}，证书的 {signer.principal_id}")
    return failures


def _check_set(items: Sequence[_Inspected], final: _Inspected, links: Sequence[Link]) -> list[Failure]:
    """The given files of one document: each an exact earlier state of the latest, none doubled.

    A stage without a file is no failure here: the latest file's links vouch for
    it (``_check_complete`` asks for every file when completeness is required).
    """
    failures: list[Failure] = []
    by_index: dict[int, list[_Inspected]] = {}
    for item in items:
        if item.manifest is None or item.index is None or final.manifest is None:
            continue
        by_index.setdefault(item.index, []).append(item)
        if item is final:
            continue
        if not item.manifest.is_prefix_of(final.manifest):
            failures.append(Failure(FailureCode.MANIFEST_MISMATCH, f"{item.name} 记录的审批历史与最新环节文件 "
                                    f"{final.name} 记录的不同", item.index, item.name))
        following = links[item.index + 1] if item.index + 1 < len(links) else None
        if following is not None and following.previous_file_sha256 != item.sha256:
            failures.append(Failure(FailureCode.FILE_MISMATCH, f"{item.name} 不是环节 {following.index} "
                                    "所依据的那份文件", item.index, item.name,
                                    f"文件 SHA-256 {item.sha256}，环节 {following.index} 记录的 "
                                    f"{following.previous_file_sha256}"))
    for index, group in sorted(by_index.items()):
        if len(group) > 1:
            names = "、".join(item.name for item in group)
            failures.extend(Failure(FailureCode.DUPLICATE_STAGE, f"{names} 都声称是环节 {index}", index, item.name)
                            for item in group)
    return failures


def _check_complete(items: Sequence[_Inspected], links: Sequence[Link],
                    policy: VerificationPolicy) -> list[Failure]:
    """Completeness, when asked for: a file for every stage, and a workflow that has ended."""
    given = {item.index for item in items if item.index is not None}
    failures = [Failure(FailureCode.STAGE_MISSING, f"没有提供环节 {index} 的文件",
                        index, None, aspect=Aspect.COMPLETE)
                for index in range(len(links)) if index not in given]
    if links and not policy.is_complete(links):
        failures.append(Failure(FailureCode.WORKFLOW_UNFINISHED, f"最新环节是第 {links[-1].index} 环节“"
                                f"{policy.label(links[-1])}”，审批流程尚未完成，其后可能还有未提供的环节",
                                None, None))
    return failures
