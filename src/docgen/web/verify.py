"""The verify page: upload stage PDFs (and a trust bundle) and read the report in plain Chinese.

A partial set of genuine files verifies; the ``complete`` checkbox asks for
every stage's file and a finished workflow as well. Each problem shows its
plain message, with the code and technical detail folded into ``<details>``.

No sign-in: verifying reads nothing from the database and changes nothing,
which is why the form has no CSRF token either. It runs the same
``verify_async`` as ``POST /v1/verify`` and ``docgen verify``.
"""
from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from ..errors import DocgenError
from ..pki import certificate_sha256
from ..trust import TrustBundle
from ..sandbox import SandboxError
from ..verify import CODES, Aspect
from .context import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    titles = {t.template_id: t.title for t in web.service.catalogue.templates.values()}

    def form(request: Request, status: int = 200, *, complete: bool = False, error: str | None = None,
             trust_error: str | None = None) -> HTMLResponse:
        """The form alone, with an error on the field it concerns."""
        return web.page(request, "verify.html", status=status, report=None, error=error, trust_error=trust_error,
                        complete_asked=complete)

    @router.get("/verify", response_class=HTMLResponse)
    def verify_form(request: Request) -> HTMLResponse:
        return form(request)

    @router.post("/verify", response_class=HTMLResponse)
    async def verify_files(request: Request, files: list[UploadFile] = File(default=[]),
                           trust: UploadFile | None = File(default=None),
                           complete: bool = Form(default=False)) -> HTMLResponse:
        chosen = [f for f in files if f.filename]  # an empty file input still sends one nameless part
        if not chosen:
            return form(request, 422, complete=complete, error="请选择至少一个 PDF 文件。")
        most = web.service.settings.limits.verify_files
        if len(chosen) > most:
            return form(request, 413, complete=complete, error=f"一次最多验证 {most} 个文件。")
        try:
            if trust is not None and trust.filename:
                trust_json, bundle_name = await trust.read(), trust.filename
                bundle = TrustBundle.from_json(trust_json)
            else:
                bundle, bundle_name = web.service.trust_bundle(), None
                trust_json = bundle.to_json()
        except DocgenError as exc:
            return form(request, 422, complete=complete, trust_error=f"信任包无法读取：{exc.detail}")
        pdfs = [(f.filename or f"file-{n}.pdf", await f.read()) for n, f in enumerate(chosen)]
        try:
            report = await web.service.verify(pdfs, trust_json, complete)
        except SandboxError as exc:
            return form(request, 422, complete=complete, error=f"无法在限额内完成验证：{exc}")
        return web.page(request, "verify.html", report=report, summary=report.describe(), codes=CODES,
                        aspects=list(Aspect), complete_asked=complete, trust_error=None,
                        bundle_name=bundle_name, bundle_agency=bundle.agency, template_titles=titles,
                        root_sha256=certificate_sha256(bundle.root_certificate), error=None)

    return router

