"""Token sign-in and sign-out. The token is the principal's API token; see ``session``."""
from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import Unauthorized
from .context import Web, safe_next
from .session import CsrfFailed


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    sessions = web.sessions

    def login_page(request: Request, next_: str, status: int = 200, error: str | None = None,
                   expired: bool = False) -> HTMLResponse:
        nonce = sessions.login_nonce(request)
        response = web.page(request, "login.html", status=status, next=next_, error=error,
                            csrf=sessions.login_csrf(nonce), expired=expired)
        sessions.keep_login_nonce(request, response, nonce)
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/inbox", expired: int = 0) -> HTMLResponse:
        return login_page(request, safe_next(next, "/inbox"), expired=bool(expired) or sessions.lapsed(request))

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, token: str = Form(""), csrf_token: str = Form(""),
              next: str = Form("/inbox")) -> Response:
        target = safe_next(next, "/inbox")
        try:
            sessions.check_login(request, csrf_token)
        except CsrfFailed as exc:
            return login_page(request, target, 403, exc.detail)
        if not token.strip():
            return login_page(request, target, 422, "请输入访问令牌")
        response = RedirectResponse(target, status_code=303)
        try:
            sessions.sign_in(request, response, token)
        except Unauthorized:
            return login_page(request, target, 401, "令牌无效，请核对后重新输入（令牌以 dg_ 开头，区分大小写）")
        return response

    @router.get("/logout", response_class=HTMLResponse)
    def logout_form(request: Request) -> Response:
        if sessions.principal(request) is None:
            return RedirectResponse("/", status_code=303)
        return web.page(request, "logout.html")

    @router.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        try:
            sessions.check(request, csrf_token)
        except CsrfFailed as exc:
            return web.error(request, exc)
        response = RedirectResponse("/?signed_out=1", status_code=303)
        sessions.sign_out(response)
        # Whatever the pages kept in this browser (drafts of before, the anonymous tab copy) goes too;
        # site.js also clears it on the way out, for browsers that ignore this header.
        response.headers["Clear-Site-Data"] = '"storage"'

        return response

    return router
