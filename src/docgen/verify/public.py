"""Verifying a public rendition (公示文本, ``docgen-public/1``) offline, alone or against its original.

Alone (anyone holding the published file and the agency's trust bundle):

1. one PAdES signature over the entire file, by a certificate of the bundle's root;
2. the embedded ``docgen-public.json`` manifest, signed by the same certificate
   (a signer the bundle lists), of the bundle's installation;
3. the content PDF (the first ``content_length`` bytes) has the manifest's sha256.

With the original (``--original``: the signed decision as served):

4. the original's sha256 is the manifest's, and the original verifies on its own
   (its signature and chain of links) as the manifest's document;
5. **derivation**: the decision pages of the public file (after the 信息摘要's
   ``summary_pages``) are compared, as text without whitespace and page numbers,
   with the original's. Every difference must be a listed redaction: the public
   side lies inside what the manifest says is shown at a place, and putting the
   original's text back into that shown text gives a value whose keyed hash
   (``derivation.value_hash``, computable only with the original's bytes) is the
   one listed. So the public text came from the signed original and differs
   only where the listed fields were hidden.

The 信息摘要 itself is signed but not compared: it is new text by design
(公示规定第四条), made from the same redacted payload.
"""
from __future__ import annotations

import asyncio
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from ..derivation import NAME, PublicManifest, value_hash
from ..errors import VerificationError
from ..sealing import manifest_bytes
from ..trust import TrustBundle
from ._cms import check_pades, root_certificate
from .models import FailureCode
from .verifier import verify_async

_PAGE_NUMBER = re.compile(r"第\d+页共\d+页")
_SPACE = re.compile(r"\s+")


@dataclass
class PublicReport:
    name: str
    document_id: str | None = None
    doc_number: str | None = None
    revision: int | None = None
    signer: str | None = None
    template: str | None = None
    template_version: str | None = None
    redactions: int = 0
    hidden: list[dict[str, str]] = field(default_factory=list)
    """Each listed redaction as the signed manifest says it (``pointer``, ``shown``, ``reason``, ``kind``);
    the salts and keyed hashes stay out of the report (they are only for the comparison with the original)."""
    original: str | None = None
    """The original's file name, when one was given and compared."""
    differences: int = 0
    """Differences between the texts, every one explained by a listed redaction when ``ok``."""
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, code: FailureCode, detail: str | None = None, message: str | None = None) -> None:
        self.failures.append({"code": code.value, "message": message or code.message, "detail": detail})

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "public", "name": self.name, "ok": self.ok, "document_id": self.document_id,
                "doc_number": self.doc_number, "revision": self.revision, "signer": self.signer,
                "template": self.template, "template_version": self.template_version,
                "redactions": self.redactions, "hidden": self.hidden, "original": self.original, "differences": self.differences,
                "failures": self.failures}

    def describe(self) -> str:
        lines = [f"公示文本 {self.name}：{self.doc_number or '?'} 第 {self.revision or '?'} 版，签名人 {self.signer or '?'}，"
                 f"清单列明隐去 {self.redactions} 处",
                 f"与原件 {self.original} 比对：{self.differences} 处差异" + ("，均为清单列明的隐去内容" if self.ok else "")
                 if self.original else "未提供原件：只验证了机关签名和清单（加 --original 原件.pdf 比对文字）",
                 "结论：验证通过" if self.ok else f"结论：验证未通过（{len(self.failures)} 处问题）"]
        for failure in self.failures:
            lines.append(f"  ✗ {failure['message']}" + (f"（{failure['detail']}）" if failure["detail"] else ""))
        return "\n".join(lines)


def is_public(data: bytes) -> bool:
    """Whether a PDF carries a ``docgen-public.json`` manifest (an unreadable file is not one)."""
    try:
        return NAME in PdfReader(BytesIO(data)).attachments
    except Exception:
        return False


def verify_public(name: str, data: bytes, trust: TrustBundle,
                  original: tuple[str, bytes] | None = None) -> PublicReport:
    return asyncio.run(verify_public_async(name, data, trust, original))


async def verify_public_async(name: str, data: bytes, trust: TrustBundle,
                              original: tuple[str, bytes] | None = None) -> PublicReport:
    report = PublicReport(name)
    try:
        reader = PdfFileReader(BytesIO(data))
        signatures = reader.embedded_signatures
        manifest = PublicManifest.from_json(manifest_bytes(reader, NAME) or b"")
    except VerificationError as exc:
        report.fail(FailureCode.PUBLIC_MANIFEST_INVALID, str(exc))
        return report
    except Exception as exc:  # a damaged file is a failed verification, not an error
        report.fail(FailureCode.UNREADABLE_PDF, f"{type(exc).__name__}: {exc}")
        return report
    report.document_id, report.doc_number = manifest.document_id, manifest.doc_number
    report.revision, report.redactions = manifest.revision, len(manifest.redactions)
    report.template, report.template_version = manifest.template, manifest.template_version
    report.hidden = [{"pointer": e.pointer, "shown": e.shown, "reason": e.reason, "kind": e.kind}
                     for e in manifest.redactions]
    if len(signatures) != 1:
        report.fail(FailureCode.SIGNATURE_COUNT, f"公示文本有 {len(signatures)} 个电子签名，应恰有机关的一个")
    else:
        signature = signatures[0]
        report.signer = signature.signer_cert.subject.native.get("common_name")
        for code, message, detail in await check_pades(data, signature, None, trust, root_certificate(trust)):
            report.fail(code, detail, message=f"公示文本的电子签名：{message}")
        signed_by = hashlib.sha256(signature.signer_cert.dump()).hexdigest()
        if signed_by != manifest.certificate_sha256:
            report.fail(FailureCode.SIGNER_MISMATCH, "PDF 签名证书与清单的签名证书不同")
    listed = trust.signer(manifest.certificate_sha256)
    if listed is None or not manifest.verify_signature(listed.certificate):
        report.fail(FailureCode.PUBLIC_MANIFEST_SIGNATURE, f"证书 {manifest.certificate_sha256[:16]}…")
    if manifest.installation_id != trust.installation_id:
        report.fail(FailureCode.PUBLIC_CONTENT_MISMATCH, "清单的机关（installation_id）与信任包不同")
    content = data[:manifest.content_length]
    if len(content) != manifest.content_length or hashlib.sha256(content).hexdigest() != manifest.content_sha256:
        report.fail(FailureCode.PUBLIC_CONTENT_MISMATCH, "内容 PDF 的 sha256 或长度与清单不符")
        return report
    if original is not None:
        await _against_original(report, manifest, content, original, trust)
    return report


async def _against_original(report: PublicReport, manifest: PublicManifest, content: bytes,
                            original: tuple[str, bytes], trust: TrustBundle) -> None:
    name, served = original
    report.original = name
    if hashlib.sha256(served).hexdigest() != manifest.original_pdf_sha256:
        report.fail(FailureCode.PUBLIC_ORIGINAL_MISMATCH, f"原件 sha256 {hashlib.sha256(served).hexdigest()[:16]}…，"
                                                          f"清单 {manifest.original_pdf_sha256[:16]}…")
        return
    own = await verify_async([(name, served)], trust)
    if not own.ok or own.document_id != manifest.document_id:
        report.fail(FailureCode.PUBLIC_ORIGINAL_INVALID, own.summary())
        return
    try:
        served_text = text_of(served, 0)
        public_text = text_of(content, manifest.summary_pages)
    except Exception as exc:
        report.fail(FailureCode.UNREADABLE_PDF, f"{type(exc).__name__}: {exc}")
        return
    for problem in differences(served_text, public_text, manifest, served, report):
        report.fail(FailureCode.PUBLIC_TEXT_DIFFERS, problem)


def text_of(pdf: bytes, skip_pages: int) -> str:
    """The text of the pages after ``skip_pages``, without whitespace and page numbers (line breaks and
    page numbering are layout, not content)."""
    pages = PdfReader(BytesIO(pdf)).pages[skip_pages:]
    text = _SPACE.sub("", "".join(page.extract_text() or "" for page in pages))
    return _PAGE_NUMBER.sub("", text)


def differences(served: str, public: str, manifest: PublicManifest, original_pdf: bytes,
                report: PublicReport) -> list[str]:
    """Each difference no listed redaction explains (see the module docstring), as a readable excerpt."""
    problems = []
    matcher = difflib.SequenceMatcher(None, served, public, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        report.differences += 1
        if not _explained(served[i1:i2], public, j1, j2, manifest, original_pdf):
            problems.append(f"原件“…{served[max(0, i1 - 10):i2 + 10]}…”，公示文本“…{public[max(0, j1 - 10):j2 + 10]}…”")
    return problems


def _explained(removed: str, public: str, j1: int, j2: int, manifest: PublicManifest, original_pdf: bytes) -> bool:
    """Whether the public text around [j1, j2) is an occurrence of a listed entry's shown text whose
    value, with ``removed`` put back, hashes to that entry."""
    for entry in manifest.redactions:
        shown = _SPACE.sub("", entry.shown)
        if not shown:
            continue
        start = public.find(shown, max(0, j2 - len(shown)))
        while start != -1 and start <= j1:
            end = start + len(shown)
            if j2 <= end:
                value = public[start:j1] + removed + public[j2:end]
                if value_hash(entry.salt, original_pdf, value) == entry.sha256:
                    return True
            start = public.find(shown, start + 1)
    return False
