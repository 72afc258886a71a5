"""Verifying an archive volume (``docgen-volume/1``) offline: its own signature, each original inside it,
and the manifest that ties them together.

Three questions, each answered from the file and the trust bundle alone:

1. **The volume's signature**: one PAdES signature by a certificate of the
   bundle's root, covering the entire file (``_cms.check_pades``).
2. **The manifest** (``docgen-volume.json``, an associated file): every original
   it lists is attached, with exactly that sha256 and length; no other file is
   attached; the page count it states is the volume's.
3. **Each original**: the attached signed PDF verifies as any stage PDF does —
   its own signature and its whole chain of links (``verifier.verify_async``).
   A voided document is bound as its latest file, the void stage (stamped 作废):
   it verifies like any other, and the report names the void (``void``).

The merged pages are not compared with the originals' pages: pages cannot be
compared byte for byte once stamped; the signature over the whole volume binds
the printed pages and the originals together, and the originals are the record.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from ..trust import TrustBundle
from ._cms import check_pades, root_certificate
from .models import FailureCode
from .verifier import verify_async

MANIFEST_NAME = "docgen-volume.json"
FORMAT = "docgen-volume/1"


@dataclass
class VolumeReport:
    name: str
    case_number: str | None = None
    volume: int | None = None
    pages: int | None = None
    signer: str | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)
    originals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, code: FailureCode, detail: str | None = None, item: int | None = None,
             message: str | None = None) -> None:
        self.failures.append({"code": code.value, "message": message or code.message, "item": item,
                              "detail": detail})

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "volume", "name": self.name, "ok": self.ok, "case_number": self.case_number,
                "volume": self.volume, "pages": self.pages, "signer": self.signer, "failures": self.failures,
                "originals": self.originals}

    def describe(self) -> str:
        lines = [f"案卷 {self.name}：{self.case_number or '?'} 第 {self.volume or '?'} 卷，{self.pages or '?'} 页，"
                 f"签名人 {self.signer or '?'}",
                 "结论：验证通过" if self.ok else f"结论：验证未通过（{len(self.failures)} 处问题）"]
        for original in self.originals:
            mark = "通过" if original["ok"] else "未通过"
            void = f"  已作废：{original['void']['reason']}" if original.get("void") else ""
            lines.append(f"  {original['item']:>3}. {original['title']} {original.get('doc_number') or ''} "
                         f"第{original['pages'][0]}–{original['pages'][1]}页  原件 {original['sha256'][:16]}…  {mark}{void}")
        for failure in self.failures:
            where = f"第 {failure['item']} 件：" if failure["item"] else ""
            lines.append(f"  ✗ {where}{failure['message']}" + (f"（{failure['detail']}）" if failure["detail"] else ""))
        return "\n".join(lines)


def is_volume(data: bytes) -> bool:
    """Whether a PDF carries a volume manifest among its attached files (an unreadable file is not one)."""
    try:
        return MANIFEST_NAME in PdfReader(BytesIO(data)).attachments
    except Exception:
        return False


def verify_volume(name: str, data: bytes, trust: TrustBundle) -> VolumeReport:
    return asyncio.run(verify_volume_async(name, data, trust))


async def verify_volume_async(name: str, data: bytes, trust: TrustBundle) -> VolumeReport:
    report = VolumeReport(name)
    try:
        attachments = {key: values[0] for key, values in PdfReader(BytesIO(data)).attachments.items()}
        page_count = len(PdfReader(BytesIO(data)).pages)
        signatures = PdfFileReader(BytesIO(data)).embedded_signatures
    except Exception as exc:  # a damaged file is a failed verification, not an error
        report.fail(FailureCode.UNREADABLE_PDF, f"{type(exc).__name__}: {exc}")
        return report
    if len(signatures) != 1:
        report.fail(FailureCode.SIGNATURE_COUNT, f"案卷有 {len(signatures)} 个电子签名，应恰有装订机关的一个")
    else:
        signature = signatures[-1]
        report.signer = signature.signer_cert.subject.native.get("common_name")
        for code, message, detail in await check_pades(data, signature, None, trust, root_certificate(trust)):
            report.fail(code, detail, message=f"案卷的电子签名：{message}")
    try:
        manifest = json.loads(attachments[MANIFEST_NAME])
        if manifest.get("format") != FORMAT or not isinstance(manifest.get("documents"), list):
            raise ValueError(f"format 应为 {FORMAT}")
    except Exception as exc:
        report.fail(FailureCode.VOLUME_MANIFEST_INVALID, f"{type(exc).__name__}: {exc}")
        return report
    report.case_number = manifest.get("case", {}).get("number")
    report.volume, report.pages = manifest.get("volume"), manifest.get("pages")
    if manifest.get("pages") != page_count:
        report.fail(FailureCode.VOLUME_PAGES, f"清单 {manifest.get('pages')} 页，案卷 {page_count} 页")
    listed = {entry.get("file") for entry in manifest["documents"]}
    for extra in sorted(set(attachments) - listed - {MANIFEST_NAME}):
        report.fail(FailureCode.VOLUME_EXTRA_FILE, extra)
    for entry in manifest["documents"]:
        item = entry.get("item")
        original = attachments.get(entry.get("file"))
        result = {key: entry.get(key) for key in ("item", "title", "doc_number", "pages", "sha256", "document_id")}
        result["ok"], result["void"] = False, None
        report.originals.append(result)
        if original is None:
            report.fail(FailureCode.VOLUME_ORIGINAL_MISSING, entry.get("file"), item)
            continue
        digest = hashlib.sha256(original).hexdigest()
        if digest != entry.get("sha256") or len(original) != entry.get("length"):
            report.fail(FailureCode.VOLUME_ORIGINAL_MISMATCH, f"附件 sha256 {digest}，清单 {entry.get('sha256')}", item)
            continue
        inner = await verify_async([(entry["file"], original)], trust)
        result["void"] = inner.void.to_dict() if inner.void is not None else None
        if not inner.ok:
            report.fail(FailureCode.VOLUME_ORIGINAL_INVALID, inner.summary(), item)
            continue
        if inner.document_id != entry.get("document_id"):
            report.fail(FailureCode.VOLUME_ORIGINAL_MISMATCH, "原件的文书 id 与清单不符", item)
            continue
        result["ok"] = True
    return report
