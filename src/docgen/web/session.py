"""Sign-in for the officers' pages: the bearer token in a cookie, and CSRF tokens bound to it.

The API authenticates every call with ``Authorization: Bearer <token>``; a
browser cannot add that header to a link or a form, so after sign-in the
token rides in a cookie that scripts cannot read (HttpOnly), that other sites
cannot make the browser send (SameSite=Strict) and that is Secure over HTTPS.
It is resolved exactly as the API resolves the header, so pages and API share
one notion of who is calling.

CSRF: every state-changing form (and the e-form's JSON POST) carries
``HMAC-SHA256(secret, purpose + cookie value)``. The token is stateless (no
session table), bound to this very cookie (a token from another session is
useless) and cannot be forged without the secret, which is derived from the
installation's master key, so it survives restarts and is the same in every
worker. A plain double-submit cookie was not used: it must be readable by
scripts and a sibling subdomain can plant one. Before sign-in there is no
session yet, so the sign-in form is bound the same way to a random pre-login
cookie (login CSRF). A POST whose ``Origin`` names another site is refused
outright, as a second, independent check.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response

from ..errors import DocgenError, Forbidden, Unauthorized
from ..principals import Principal, Principals

SESSION_COOKIE = "docgen_session"
LOGIN_COOKIE = "docgen_login"
#: "This browser was signed in": outlives the session cookie, so a sign-in that lapsed can be told
#: from one that never was (and the page can say why it asks for the token again). Holds no secret.
SIGNED_IN_COOKIE = "docgen_was_signed_in"
SESSION_SECONDS = 12 * 3600
LOGIN_SECONDS = 3600
SIGNED_IN_SECONDS = 30 * 24 * 3600


def _mac(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def derive_secret(master_key: bytes) -> bytes:
    """The CSRF key: one-way from the master key, so it leaks nothing about it."""
    return hmac.new(master_key, b"docgen/web/csrf/1", hashlib.sha256).digest()


class CsrfFailed(Forbidden):
    type = "csrf-failed"
    title = "表单已失效"


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page: the principal if signed in, and the CSRF token of the session."""

    principal: Principal | None
    csrf: str

    def has(self, role: str) -> bool:
        return self.principal is not None and role in self.principal.roles


class Sessions:
    def __init__(self, principals: Principals, secret: bytes) -> None:
        self.principals = principals
        self.secret = secret

    # -- reading

    def principal(self, request: Request) -> Principal | None:
        """The signed-in principal, or None (no cookie, or a token that no longer works)."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            return self.principals.authenticate("Bearer " + token)
        except DocgenError:
            return None

    def lapsed(self, request: Request) -> bool:
        """Signed in on this browser before, not signed out, and no longer signed in (expired or revoked)."""
        return SIGNED_IN_COOKIE in request.cookies and self.principal(request) is None

    def require(self, request: Request) -> Principal:
        principal = self.principal(request)
        if principal is None:
            raise Unauthorized("请先登录")
        return principal

    def visitor(self, request: Request) -> Visitor:
        principal = self.principal(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        return Visitor(principal, _mac(self.secret, "session", token) if principal else "")

    # -- CSRF

    def check(self, request: Request, submitted: str | None) -> None:
        """Refuse a state-changing request that did not come from one of our signed-in pages."""
        self.same_origin(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        expected = _mac(self.secret, "session", token)
        if not token or not submitted or not hmac.compare_digest(submitted, expected):
            raise CsrfFailed("表单已失效或来源不明，请刷新页面后重试")

    def login_nonce(self, request: Request) -> str:
        """The pre-login nonce of this browser (a new one if it has none yet)."""
        return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)

    def login_csrf(self, nonce: str) -> str:
        return _mac(self.secret, "login", nonce)

    @staticmethod
    def keep_login_nonce(request: Request, response: Response, nonce: str) -> None:
        response.set_cookie(LOGIN_COOKIE, nonce, max_age=LOGIN_SECONDS, path="/login", httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")

    def check_login(self, request: Request, submitted: str | None) -> None:
        self.same_origin(request)
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        expected = _mac(self.secret, "login", nonce)
        if not nonce or not submitted or not hmac.compare_digest(submitted, expected):
            raise CsrfFailed("登录表单已失效，请重新打开登录页")

    @staticmethod
    def same_origin(request: Request) -> None:
        """Browsers send ``Origin`` with every POST; one naming another host is refused.

        Only the host and port are compared, not the scheme: behind a proxy that
        terminates TLS the app sees http while the browser says https.
        """
        origin = request.headers.get("origin")
        if origin is None:
            return
        if origin == "null" or urlsplit(origin).netloc != request.headers.get("host", ""):
            raise CsrfFailed(f"请求来自其他站点（{origin}），已拒绝")

    # -- writing

    def sign_in(self, request: Request, response: Response, token: str) -> Principal:
        """Check the token as the API would; on success keep it in the session cookie."""
        principal = self.principals.authenticate("Bearer " + token.strip())
        response.set_cookie(SESSION_COOKIE, token.strip(), max_age=SESSION_SECONDS, path="/", httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        response.set_cookie(SIGNED_IN_COOKIE, "1", max_age=SIGNED_IN_SECONDS, path="/", httponly=True,
                            samesite="strict", secure=request.url.scheme == "https")
        return principal

    @staticmethod
    def sign_out(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        response.delete_cookie(SIGNED_IN_COOKIE, path="/", httponly=True, samesite="strict")
