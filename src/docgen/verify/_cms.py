"""The PAdES and CMS mechanics of one stage PDF's signature (pyHanko, asn1crypto).

``check_pades`` validates the one embedded signature against the bundle's root,
at the time the last link claims, with nothing fetched; ``cms_problem`` then
checks that ``/Contents`` — the one region a PDF signature cannot cover — holds
exactly the CMS docgen's signer writes. Each returns findings, never raises:
pyHanko raises many types on damaged files, and a damaged file is a
verification failure, not an error.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ..chain import Link
from ..trust import TrustBundle
from .models import FailureCode

#: (code, plain message, technical detail)
Finding = tuple[FailureCode, str, str | None]


def root_certificate(trust: TrustBundle) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(trust.root_certificate.public_bytes(serialization.Encoding.DER))


async def check_pades(data: bytes, signature: Any, link: Link | None, trust: TrustBundle,
                      root: asn1_x509.Certificate) -> list[Finding]:
    """Everything wrong with the PAdES signature ``signature`` of the file ``data``."""
    try:
        return await _check_pades(data, signature, link, trust, root)
    except Exception as exc:  # a damaged signature dictionary can break pyHanko anywhere
        return [(FailureCode.SIGNATURE_INVALID, FailureCode.SIGNATURE_INVALID.message, _technical(exc))]


async def _check_pades(data: bytes, signature: Any, link: Link | None, trust: TrustBundle,
                       root: asn1_x509.Certificate) -> list[Finding]:
    found: list[Finding] = []
    if str(signature.sig_object.get("/SubFilter")) != "/ETSI.CAdES.detached":
        return [(FailureCode.SIGNATURE_INVALID, "PDF 电子签名不是本系统使用的 PAdES 签名",
                 f"/SubFilter {signature.sig_object.get('/SubFilter')}，应为 /ETSI.CAdES.detached")]
    moment = link.moment if link is not None else None
    context = ValidationContext(trust_roots=[root], allow_fetching=False, moment=moment)
    try:
        status = await async_validate_pdf_signature(signature, context, skip_diff=True)
    except Exception as exc:
        return [(FailureCode.SIGNATURE_INVALID, FailureCode.SIGNATURE_INVALID.message, _technical(exc))]
    finally:
        closing = getattr(context, "aclose", None)
        if closing is not None:
            await closing()
    if not (status.intact and status.valid):
        return [(FailureCode.SIGNATURE_INVALID, FailureCode.SIGNATURE_INVALID.message,
                 f"pyHanko：intact={status.intact}，valid={status.valid}")]
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        found.append((FailureCode.SIGNATURE_COVERAGE, FailureCode.SIGNATURE_COVERAGE.message,
                      f"pyHanko：coverage={status.coverage.name}"))
    if not status.trusted:
        found.append((FailureCode.SIGNATURE_UNTRUSTED, FailureCode.SIGNATURE_UNTRUSTED.message,
                      f"证书路径校验的时间：{moment.isoformat() if moment else '现在'}"))
    signer_sha = hashlib.sha256(signature.signer_cert.dump()).hexdigest()
    if link is not None and signer_sha != link.certificate_sha256:
        found.append((FailureCode.SIGNER_MISMATCH, FailureCode.SIGNER_MISMATCH.message,
                      f"PDF 签名证书 SHA-256 {signer_sha}，链条最后一环的证书 {link.certificate_sha256}"))
    problem = cms_problem(data, signature, trust, signer_sha)
    if problem:
        found.append((FailureCode.SIGNATURE_MALFORMED, FailureCode.SIGNATURE_MALFORMED.message, problem))
    return found


def _technical(exc: BaseException) -> str:
    """An exception as a specialist reads it: its type and its text."""
    return f"{type(exc).__name__}: {exc}"


_SHA256_ALGORITHMS = {bytes.fromhex("300d06096086480165030402010500"), bytes.fromhex("300b0609608648016503040201")}
_ECDSA_SHA256 = bytes.fromhex("300a06082a8648ce3d040302")
_HEX_GAP = re.compile(rb"<([0-9A-F]+)>")


def cms_problem(data: bytes, signature: Any, trust: TrustBundle, signer_sha: str) -> str | None:
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
