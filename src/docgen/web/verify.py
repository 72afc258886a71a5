"""The verify page: upload stage PDFs (and a trust bundle) and read the report in plain Chinese.

A partial set of genuine files verifies; the ``complete`` checkbox asks for
every stage's file and a finished workflow as well. Each problem shows its
plain message, with the code and technical detail folded into ``<details>``.

A public rendition (公示文本, ``docgen-public/1``) is recognised as ``docgen
verify`` recognises it (its ``docgen-public.json`` manifest, read in the sandbox)
and verified as ``POST /v1/verify/public`` verifies it (``Service.verify_public``,
the same sandbox worker): alone, the agency's signature and the signed manifest;
with the original chosen in its own field, also that the original is the one
the rendition names and every text difference is a listed redaction. The page
names the fields hidden by their schema titles (``payload_view.field_title``).

No sign-in: verifying reads nothing from the database and changes nothing,
which is why the form has no CSRF token either. It runs the same
``verify_async`` as ``POST /v1/verify`` and ``docgen verify``.
"""
from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from typing import Any

from ..errors import DocgenError
from ..pki import certificate_sha256
from ..trust import TrustBundle
from ..sandbox import SandboxError
from ..verify import CODES, Aspect
from .context import Web
from .payload_view import field_title, schema_of

#: What each kind of listed redaction is (``publicity.redaction.Redaction.kind``).
HIDDEN_KINDS = {"field": "按规则隐去", "span": "承办人标注隐去", "recurrence": "同一内容在其他字段再次出现"}


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    titles = {t.template_id: t.title for t in web.service.catalogue.templates.values()}

    def form(request: Request, status: int = 200, *, complete: bool = False, error: str | None = None,
             trust_error: str | None = None, original_error: str | None = None) -> HTMLResponse:
        """The form alone, with an error on the field it concerns."""
        return web.page(request, "verify.html", status=status, report=None, public=None, error=error,
                        trust_error=trust_error, original_error=original_error, complete_asked=complete)

    def hidden_fields(report: dict[str, Any]) -> list[dict[str, str]]:
        """The manifest's redactions, each with its field's title where this catalogue has the version."""
        template, version = report.get("template"), report.get("template_version")
        try:  # the verifier checked their type; an unknown template or version here has no titles
            node = schema_of(web.service.catalogue, web.service.catalogue.get(template, version)) \
                if isinstance(template, str) and isinstance(version, str) else {}
        except DocgenError:
            node = {}
        return [{**entry, "label": field_title(node, entry["pointer"]) or "",
                 "kind_label": HIDDEN_KINDS.get(entry["kind"], entry["kind"])} for entry in report["hidden"]]

    @router.get("/verify", response_class=HTMLResponse)
    def verify_form(request: Request) -> HTMLResponse:
        return form(request)

    @router.post("/verify", response_class=HTMLResponse)
    async def verify_files(request: Request, files: list[UploadFile] = File(default=[]),
                           trust: UploadFile | None = File(default=None),
                           original: UploadFile | None = File(default=None),
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
        served = (original.filename, await original.read()) if original is not None and original.filename else None
        trusted = {"bundle_name": bundle_name, "bundle_agency": bundle.agency, "template_titles": titles,
                   "root_sha256": certificate_sha256(bundle.root_certificate), "complete_asked": complete,
                   "error": None, "trust_error": None, "original_error": None, "codes": CODES}
        try:
            public = await web.service.public_renditions(pdfs)
            if any(public):
                if len(pdfs) > 1:
                    names = "、".join(name for (name, _), flag in zip(pdfs, public) if flag)
                    return form(request, 422, complete=complete,
                                error=f"公示文本（{names}）请单独核验：“环节 PDF 文件”一栏只选这一份公示文本，"
                                      "它所依据的原件选在“原件”一栏。")
                name, data = pdfs[0]
                checked = await web.service.verify_public(name, data, trust_json, served)
                return web.page(request, "verify.html", report=None, public=checked,
                                hidden=hidden_fields(checked), summary=checked["summary"], **trusted)
            if served is not None:
                return form(request, 422, complete=complete,
                            original_error="原件只用于核验公示文本：所选的文件中没有公示文本（带 docgen-public.json "
                                           "清单的 PDF）。核验普通文书时请不要选择原件。")
            report = await web.service.verify(pdfs, trust_json, complete)
        except SandboxError as exc:
            return form(request, 422, complete=complete, error=f"无法在限额内完成验证：{exc}")
        return web.page(request, "verify.html", report=report, public=None, summary=report.describe(),
                        aspects=list(Aspect), **trusted)

    return router

