"""The verify page: upload stage PDFs (and a trust bundle) and read the report in plain Chinese.

No sign-in: verifying reads nothing from the database and changes nothing,
which is why the form has no CSRF token either. It runs the same
``verify_async`` as ``POST /v1/verify`` and ``docgen verify``.
"""
from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse

from ..errors import DocgenError
from ..pki import certificate_sha256
from ..trust import TrustBundle
from ..sandbox import SandboxError
from ..verification import CODES
from .context import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    titles = {t.template_id: t.title for t in web.service.catalogue.templates.values()}

    @router.get("/verify", response_class=HTMLResponse)
    def verify_form(request: Request) -> HTMLResponse:
        return web.page(request, "verify.html", report=None, error=None)

    @router.post("/verify", response_class=HTMLResponse)
    async def verify_files(request: Request, files: list[UploadFile] = File(default=[]),
                           trust: UploadFile | None = File(default=None)) -> HTMLResponse:
        chosen = [f for f in files if f.filename]  # an empty file input still sends one nameless part
        if not chosen:
            return web.page(request, "verify.html", status=422, report=None, error="请选择至少一个 PDF 文件。")
        most = web.service.settings.limits.verify_files
        if len(chosen) > most:
            return web.page(request, "verify.html", status=413, report=None,
                            error=f"一次最多验证 {most} 个文件。")
        try:
            if trust is not None and trust.filename:
                trust_json, bundle_name = await trust.read(), trust.filename
                bundle = TrustBundle.from_json(trust_json)
            else:
                bundle, bundle_name = web.service.trust_bundle(), None
                trust_json = bundle.to_json()
        except DocgenError as exc:
            return web.page(request, "verify.html", status=422, report=None, error=f"信任包无法读取：{exc.detail}")
        except ValueError as exc:
            return web.page(request, "verify.html", status=422, report=None, error=f"信任包无法读取：{exc}")
        pdfs = [(f.filename or f"file-{n}.pdf", await f.read()) for n, f in enumerate(chosen)]
        try:
            report = await web.service.verify(pdfs, trust_json)
        except SandboxError as exc:
            return web.page(request, "verify.html", status=422, report=None, error=f"无法在限额内完成验证：{exc}")
        return web.page(request, "verify.html", report=report, summary=report.describe(), codes=CODES,
                        bundle_name=bundle_name, bundle_agency=bundle.agency, template_titles=titles,
                        root_sha256=certificate_sha256(bundle.root_certificate), error=None)

    return router

