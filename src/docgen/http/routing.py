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
from typing import Any, Callable, Coroutine

from fastapi import params
from fastapi.routing import APIRoute
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
    """See the module docstring; routes without a JSON body behave as FastAPI's own."""

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
