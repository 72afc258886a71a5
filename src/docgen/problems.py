"""RFC 9457 problem documents for every error the API returns."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .database import DatabaseError
from .errors import ConversionFailed, DocgenError, ValidationFailed, problem_body
from .jsontext import pointer as json_pointer
from .jsontext import safe
from .logs import current_request_id

MEDIA_TYPE = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"

_HTTP_TITLES = {
    400: "请求有误", 401: "未认证", 403: "无权访问", 404: "未找到", 405: "不支持的请求方法",
    406: "无法提供所请求的格式", 409: "冲突", 413: "请求体过大", 415: "不支持的内容类型", 422: "数据校验未通过",
}
# Starlette's and FastAPI's own English details, said in Chinese.
_HTTP_DETAILS = {
    "Not Found": "没有这个地址", "Method Not Allowed": "该地址不支持这种请求方法",
    "There was an error parsing the body": "请求体无法解析",
}

# Messages for FastAPI's own request parsing errors (before our schema validation runs).
_REQUEST_MESSAGES = {
    "missing": "为必填项",
    "json_invalid": "不是有效的 JSON",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "string_type": "应为字符串",
    "extra_forbidden": "是不允许的字段",
    "list_type": "应为数组",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "too_short": "元素过少",
    "too_long": "元素过多",
    "literal_error": "不是允许的取值",
    "enum": "不是允许的取值",
    "value_error": "无效",
    "string_unicode": "不是有效的 Unicode 文本",
}


def problem(status: int, slug: str, title: str, detail: str, instance: str,
            headers: dict[str, str] | None = None, **extensions: Any) -> JSONResponse:
    """A problem document; every string it echoes is made encodable first (a lone surrogate
    from the request must not turn a 4xx into a 500). It names the request (``request_id``,
    also in ``X-Request-ID``) so that a caller's report finds the server's log lines, also for
    a 500 that the middleware's own send never sees."""
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail,
            "instance": instance, **extensions}
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
        headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    return JSONResponse(safe(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def docgen_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DocgenError)
    if isinstance(exc, ConversionFailed) and exc.internal:
        logging.getLogger("docgen").error("转换失败（%s）：%s", request.url.path, exc.internal)
    extensions, headers = problem_body(exc)
    return problem(exc.status, exc.type, exc.title, exc.detail, request.url.path, headers, **extensions)


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        location = tuple(error.get("loc", ()))[1:]
        if error.get("type") == "json_invalid":  # the location is a character offset, not a field
            location = ()
        pointer = json_pointer(location)
        message = _REQUEST_MESSAGES.get(error.get("type", ""), "无效")
        errors.append({"pointer": pointer, "message": f"{pointer or '请求体'} {message}"})
    listed = errors[:ValidationFailed.LISTED]
    detail = f"共 {len(errors)} 处错误" + (f"，列出前 {len(listed)} 处" if len(listed) < len(errors) else "")
    return problem(422, "validation-failed", "数据校验未通过", detail, request.url.path,
                   errors=listed, error_count=len(errors))


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "错误")
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem(exc.status_code, f"http-{exc.status_code}", title, _HTTP_DETAILS.get(detail, detail),
                   request.url.path, dict(exc.headers or {}))


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug is still answered with a problem document; the traceback goes to the log."""
    return problem(500, "internal-error", "内部错误", "服务内部错误，请联系管理员", request.url.path)


async def storage_failure(request: Request, exc: Exception) -> JSONResponse:
    """A write that failed for lack of space (507) or of a writable store (503), never with a path."""
    from .storage import storage_error  # here: storage imports nothing of the HTTP layer

    known = storage_error(exc)
    if known is None:
        logging.getLogger("docgen").exception("内部错误（%s）", request.url.path, exc_info=exc)
        return await unexpected_error(request, exc)
    logging.getLogger("docgen").error("存储失败（%s）：%s", request.url.path, exc)
    return await docgen_error(request, known)


HANDLERS = {
    Exception: unexpected_error,
    OSError: storage_failure,
    **{kind: storage_failure for kind in DatabaseError},
    DocgenError: docgen_error,
    RequestValidationError: request_validation_error,
    HTTPException: http_error,
}
