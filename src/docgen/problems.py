"""RFC 9457 problem documents for every error the API returns."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .errors import ConverterBusy, DocgenError, Unauthorized, ValidationFailed

MEDIA_TYPE = "application/problem+json"

_HTTP_TITLES = {
    400: "请求有误", 401: "未认证", 403: "无权访问", 404: "未找到", 405: "不支持的请求方法",
    406: "无法提供所请求的格式", 409: "冲突", 415: "不支持的内容类型", 422: "数据校验未通过",
}

# Messages for FastAPI's own request parsing errors (before our schema validation runs).
_REQUEST_MESSAGES = {
    "missing": "为必填项",
    "json_invalid": "不是有效的 JSON",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "string_type": "应为字符串",
    "extra_forbidden": "是不允许的字段",
}


def problem(status: int, slug: str, title: str, detail: str, instance: str,
            headers: dict[str, str] | None = None, **extensions: Any) -> JSONResponse:
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail,
            "instance": instance, **extensions}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def docgen_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocgenError)
    extensions: dict[str, Any] = {}
    headers = None
    if isinstance(exc, ValidationFailed):
        extensions["errors"] = [issue.as_dict() for issue in exc.issues]
    if isinstance(exc, ConverterBusy):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="docgen"'}
    return problem(exc.status, exc.type, exc.title, exc.detail, request.url.path, headers, **extensions)


def _pointer(location: tuple[Any, ...]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in location[1:]]
    return "".join("/" + part for part in parts)


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        pointer = _pointer(tuple(error.get("loc", ())))
        message = _REQUEST_MESSAGES.get(error.get("type", ""), error.get("msg", "无效"))
        errors.append({"pointer": pointer, "message": f"{pointer or '请求体'} {message}"})
    return problem(422, "validation-failed", "数据校验未通过", f"共 {len(errors)} 处错误",
                   request.url.path, errors=errors)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "错误")
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem(exc.status_code, f"http-{exc.status_code}", title, detail, request.url.path,
                   dict(exc.headers or {}))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug is still answered with a problem document; the traceback goes to the log."""
    return problem(500, "internal-error", "内部错误", "服务内部错误，请联系管理员", request.url.path)


HANDLERS = {
    Exception: unexpected_error,
    DocgenError: docgen_error,
    RequestValidationError: request_validation_error,
    HTTPException: http_error,
}
