"""The FastAPI application: one installation's service, the request guards, the error handlers,
one router per resource and the officers' pages.

Every router takes the service and the principal through ``deps`` and answers
with a model from ``models``, so ``/openapi.json`` documents every body; every
error becomes a problem document through ``problems``.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..config import Settings
from ..problems import HANDLERS
from ..service import Service, authority
from ..web import STATIC_DIR, router as web_router, site
from ..web.errors import install as install_error_pages
from . import approvals, documents, drafts, health, log, previews, prometheus, publicity, statistics, templates, verify, voiding
from .cases import routes as case_routes
from .limits import RequestGuard
from .models import problems
from .observe import Observe
from .routing import StrictJSONRoute

#: Every operation may answer these as problem documents (RFC 9457); routers that need a principal
#: add 401, 403 and 409.
PROBLEMS = problems(400, 404, 413, 415, 422, 503, 507)
ROUTERS = (health.router, prometheus.router, templates.router, documents.router, approvals.router, drafts.router,
           previews.router, publicity.router, verify.router, voiding.router, log.router, statistics.router)


def create_app(settings: Settings) -> FastAPI:
    service = Service(settings, authority(settings, create=True))
    service.claim()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not service.principals.any():
            logging.getLogger("docgen").warning(
                "还没有任何主体：运行 docgen --data-dir %s principals add --name 名称 --role case_system --json "
                "取得令牌", settings.data_dir)
        service.sandbox.start()
        service.converter.start()
        service.publisher.start()  # a signed checkpoint at least every DOCGEN_CHECKPOINT_INTERVAL seconds
        try:
            yield
        finally:  # after uvicorn drained the requests in flight (``http/serve.py``)
            service.publisher.close()
            service.converter.close()
            service.sandbox.close()
            service.close()

    app = FastAPI(title="docgen 执法文书服务", version="0.1.0", lifespan=lifespan, responses=PROBLEMS)
    app.router.route_class = StrictJSONRoute
    for exc_class, handler in HANDLERS.items():
        app.add_exception_handler(exc_class, handler)
    app.add_middleware(RequestGuard, limits=settings.limits, authenticate=service.principals.authenticate)
    app.add_middleware(Observe, routes=lambda: app.router.routes)  # added last: outermost, sees every request
    app.state.service = service
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(case_routes(service))
    pages = site(service)
    app.include_router(web_router(service, pages))
    install_error_pages(app, pages)  # HTML error pages for browsers, problem+json for everyone else
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
