"""Offline-style verification over HTTP, and the trust bundle an archive verifies against."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile

from ..errors import PayloadTooLarge, VerificationError
from ..sandbox import SandboxError
from ..service import Service
from ..trust import TrustBundle
from .routing import StrictJSONRoute
from .deps import service
from .models import PublicVerifyReport, VerifyReport

router = APIRouter(route_class=StrictJSONRoute, tags=["验证"])


@router.get("/v1/trust", response_class=Response,
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}},
                             "description": "信任包（docgen-trust/1）：根证书、全部签名证书、审批流程"}})
def trust(svc: Service = Depends(service)) -> Response:
    return Response(svc.trust_bundle().to_json(), media_type="application/json")


@router.post("/v1/verify", response_model=VerifyReport)
async def verify_files(files: list[UploadFile] = File(..., min_length=1, description="一个或多个环节 PDF"),
                       trust: UploadFile | None = File(default=None, description="信任包（缺省为本机的）"),
                       complete: bool = Form(default=False, description="同时检查完整性：每个环节都有文件、"
                                                                         "审批流程已完成"),
                       svc: Service = Depends(service)) -> VerifyReport:
    limit = svc.settings.limits.verify_files
    if len(files) > limit:
        raise PayloadTooLarge(f"一次最多验证 {limit} 个文件，收到 {len(files)} 个")
    if trust:
        trust_json = await trust.read()
        TrustBundle.from_json(trust_json)  # a malformed bundle is a 422 here, before any work
    else:
        trust_json = svc.trust_bundle().to_json()
    pdfs = [(f.filename or f"file-{n}.pdf", await f.read()) for n, f in enumerate(files)]
    try:
        report = await svc.verify(pdfs, trust_json, complete)
    except SandboxError as exc:
        raise VerificationError(f"无法在限额内完成验证：{exc}") from None
    return VerifyReport(**report.to_dict(), status=report.status(), summary=report.describe())


@router.post("/v1/verify/public", response_model=PublicVerifyReport)
async def verify_public(file: UploadFile = File(..., description="公示文本 PDF"),
                        original: UploadFile | None = File(default=None, description="原件（送达的决定书 PDF）"),
                        trust: UploadFile | None = File(default=None, description="信任包（缺省为本机的）"),
                        svc: Service = Depends(service)) -> PublicVerifyReport:
    """A public rendition (公示文本): the agency's signature and its signed manifest; with the original,
    also that its text came from the original and differs only where the manifest lists a redaction."""
    if trust:
        trust_json = await trust.read()
        TrustBundle.from_json(trust_json)
    else:
        trust_json = svc.trust_bundle().to_json()
    served = (original.filename or "original.pdf", await original.read()) if original else None
    try:
        report = await svc.verify_public(file.filename or "public.pdf", await file.read(), trust_json, served)
    except SandboxError as exc:
        raise VerificationError(f"无法在限额内完成验证：{exc}") from None
    return PublicVerifyReport(**report)
