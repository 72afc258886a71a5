"""Every request observed once: its id, its access log line and its metrics.

Pure ASGI middleware (as ``limits.py``; ``BaseHTTPMiddleware`` would buffer streamed
downloads and run the app in another task, losing the request id's context), outermost
of docgen's middleware, so a request refused by ``RequestGuard`` before its body is read
is counted and logged too. It

- takes the request id from a valid ``X-Request-ID`` or makes one (``logs.request_id_from``),
  binds it for every log line and problem document of the request, and sets it on the
  response;
- counts the request by method, route *template* and status and times it
  (``metrics.HTTP_REQUESTS``, ``HTTP_LATENCY``): the template is the route Starlette
  matched (``scope["route"]``), or, for a request refused before routing, the route it
  would have matched; an address no route has is ``(unmatched)``. Never the raw path: one
  series per route, not per document;
- writes one access line (``docgen.access``) with method, path (without the query, which
  may carry search terms), status and duration.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Sequence

from starlette.datastructures import Headers, MutableHeaders
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import metrics
from ..logs import bind_request_id, request_id_from
from ..problems import REQUEST_ID_HEADER

ACCESS = logging.getLogger("docgen.access")


class Observe:
    """See the module docstring. ``routes`` gives the application's routes (read per request:
    routers are included after the middleware is added)."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes
        self._templates: list[tuple[Callable[[str], bool], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        bind_request_id(request_id)  # not reset: a 500 is answered outside, in this same task
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # if the app raises, Starlette's outermost handler answers 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        metrics.HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.HTTP_IN_FLIGHT.dec()
            seconds = time.perf_counter() - start
            route = self.template(scope)
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, route).observe(seconds)
            ACCESS.log(logging.ERROR if status >= 500 else logging.INFO, "%s %s %d", method, scope["path"], status,
                       extra={"method": method, "path": scope["path"], "status": status,
                              "duration_ms": round(seconds * 1000, 1)})

    def template(self, scope: Scope) -> str:
        """The matched route's path template; for a request answered before routing (or by a
        mounted app, which FastAPI does not record), the template its path fits."""
        route = scope.get("route")
        path = getattr(route, "path", None)
        if isinstance(path, str) and path:
            return path
        return next((template for fits, template in self._table() if fits(scope["path"])), metrics.UNMATCHED)

    def _table(self) -> list[tuple[Callable[[str], bool], str]]:
        """Every route's template with a test of whether a path fits it, made on first use (the
        routers are included after the middleware is added)."""
        if self._templates is None:
            table: list[tuple[Callable[[str], bool], str]] = []
            for context in iter_route_contexts(self.routes()):
                template = context.path
                if not template:
                    continue
                if isinstance(context.original_route, Mount):
                    table.append((lambda path, prefix=template: path == prefix or path.startswith(prefix + "/"),
                                  template))
                else:
                    table.append((compile_path(template)[0].fullmatch, template))
            self._templates = table
        return self._templates
