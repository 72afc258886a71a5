"""A FastAPI route that parses JSON bodies strictly (``jsontext.loads``) and insists on a JSON type.

FastAPI would parse with ``json.loads`` (duplicate keys kept silently, a syntax
error's pointer a character offset, ``NaN`` accepted, surrogates let through to
the problem document that cannot encode them) and answer a wrong Content-Type
with 422. This route answers 415 for a body that is not ``application/json``
(or ``+json``), and hands FastAPI the strictly parsed value, so the pydantic
model sees the same data the rest of docgen would.
"""
from __future__ import annotations

import email.message
from typing import Any, Callable, Coroutine, Iterator

from fastapi import params
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .. import jsontext
from ..errors import UnsupportedMediaType


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class StrictJSONRoute(APIRoute):
    """See the module docstring; routes without a JSON body behave as FastAPI's own.

    A wrong method gets a 405 whose ``Allow`` names every method of the path: Starlette answers
    with the first route matching the path, so ``PUT /v1/drafts`` would say ``Allow: POST`` although
    GET exists too (schemathesis checks it).
    """

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        if self.methods and scope["method"] not in self.methods:
            app = scope.get("app")
            allowed = set().union(*(r.methods or () for r in _api_routes(getattr(app, "router", None))
                                    if r.path == self.path)) or self.methods
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(sorted(allowed))})
        await super().handle(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None or isinstance(self.body_field.field_info, params.Form):
            return handler

        async def strict(request: Request) -> Response:
            if not is_json(request.headers.get("content-type")):
                raise UnsupportedMediaType("请求体应为 JSON（Content-Type: application/json）")
            request._json = jsontext.loads(await request.body())  # what FastAPI's request.json() returns
            return await handler(request)

        return strict


def _api_routes(router: Any) -> Iterator[APIRoute]:
    """Every ``APIRoute`` of an app's router, through the routers it includes (FastAPI keeps an
    included router whole, as ``original_router``, rather than copying its routes up)."""
    for route in getattr(router, "routes", ()):
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router)
