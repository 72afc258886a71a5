"""FastAPI dependencies: the installation's service and the calling principal."""
from __future__ import annotations

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..principals import Principal
from ..service import Service

bearer = HTTPBearer(auto_error=False, scheme_name="token", description="主体令牌 dg_…（docgen principals add）")


def service(request: Request) -> Service:
    """The one ``Service`` of this app (``app.state.service``)."""
    return request.app.state.service


def principal(request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer)) -> Principal:
    """The caller; ``RequestGuard`` already authenticated writes before their body was read."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known
    return service(request).principals.authenticate(request.headers.get("authorization"))
