"""``/healthz`` (the process answers) and ``/readyz`` (it can issue: converters, storage, disk)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..service import Service
from .routing import StrictJSONRoute
from .deps import service
from .models import Health, Readiness

router = APIRouter(route_class=StrictJSONRoute, tags=["运行状态"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(svc: Service = Depends(service)) -> JSONResponse:
    space = svc.storage.space(svc.settings.limits.min_free)
    checks = {"converters": svc.converter.alive(), "storage": svc.storage.writable(), "free_bytes": space.free,
              "disk": space.enough}
    ready = checks["converters"] > 0 and checks["storage"] and space.enough
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
