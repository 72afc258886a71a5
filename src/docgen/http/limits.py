"""Request guards that run before any body is read: authentication, size limits.

FastAPI reads and parses a body before it resolves dependencies, so a 200 MB
body without a token cost 5 s and 835 MB before the 401. This ASGI middleware
runs first: an API write without a valid token is refused before one byte of
its body is read, a declared ``Content-Length`` over the route's limit is
refused at once, and a body without one (chunked) is counted while it streams
and cut off at the limit. A refused body is never buffered.
"""
from __future__ import annotations

import re
from typing import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Limits
from ..errors import BadRequest, DocgenError, PayloadTooLarge, problem_body
from ..principals import Principal
from ..problems import problem

#: Routes whose POST carries uploaded files, with the larger limit; every other body has the JSON limit.
UPLOAD_PATHS = frozenset({"/v1/verify", "/v1/verify/public", "/verify"})
#: A case's 音像记录 upload: its own, larger limit (``Limits.media``); the body is streamed to disk.
MEDIA_PATH = re.compile(r"(/v1)?/cases/[^/]+/media")  # the API route and the case page's upload form
#: API writes that need no token.
PUBLIC_WRITES = frozenset({"/v1/verify", "/v1/verify/public"})
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streaming body passes its limit; FastAPI lets it through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体超过 {limit} 字节的上限")


class RequestGuard:
    """Pure ASGI middleware: see the module docstring."""

    def __init__(self, app: ASGIApp, limits: Limits,
                 authenticate: Callable[[str | None], Principal]) -> None:
        self.app = app
        self.limits = limits
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _BODYLESS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limits.upload if path in UPLOAD_PATHS else self.limits.json_body
        if MEDIA_PATH.fullmatch(path):
            limit = self.limits.media
        headers = Headers(scope=scope)
        try:
            if path.startswith("/v1/") and path not in PUBLIC_WRITES:
                principal = self.authenticate(headers.get("authorization"))
                scope.setdefault("state", {})["principal"] = principal
            declared = headers.get("content-length")
            if declared is not None and not declared.isdigit():
                raise BadRequest("Content-Length 无效")
            if declared is not None and int(declared) > limit:
                raise PayloadTooLarge(f"请求体超过 {limit} 字节的上限")
        except DocgenError as exc:
            await _refuse(exc, scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


async def _refuse(exc: DocgenError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with the error's problem document without reading the body; the connection closes."""
    extensions, headers = problem_body(exc)
    headers = {**(headers or {}), "Connection": "close"}
    response = problem(exc.status, exc.type, exc.title, exc.detail, scope["path"], headers, **extensions)
    await response(scope, receive, send)


Authenticator = Callable[[str | None], Principal]
__all__ = ["RequestGuard", "BodyTooLarge", "UPLOAD_PATHS", "Authenticator"]
