"""The small hierarchy of errors docgen raises.

Every error carries an HTTP status and a problem ``type`` slug so that the API
can turn it into an RFC 9457 problem document without knowing each class.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DocgenError(Exception):
    """Base of every error docgen raises on purpose."""

    status: int = 500
    type: str = "internal-error"
    title: str = "内部错误"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


@dataclass(frozen=True)
class Issue:
    """One problem with a payload: where (a JSON pointer) and what (Chinese)."""

    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class ValidationFailed(DocgenError):
    """The payload does not satisfy the template version's schema or domain rules."""

    status = 422
    type = "validation-failed"
    title = "数据校验未通过"

    #: At most this many issues are listed in a problem document; ``detail`` gives the count.
    LISTED = 100

    def __init__(self, issues: list[Issue], truncated: bool = False) -> None:
        self.issues = list(issues)
        self.truncated = truncated  # the validator stopped looking after this many
        count = f"超过 {len(self.issues)} 处错误" if truncated else f"共 {len(self.issues)} 处错误"
        if len(self.issues) > self.LISTED:
            count += f"，列出前 {self.LISTED} 处"
        super().__init__(count)

    def listed(self) -> list[dict[str, str]]:
        """The issues a problem document lists: the first ``LISTED``, in pointer order."""
        return [issue.as_dict() for issue in self.issues[:self.LISTED]]

    def under(self, prefix: str) -> "ValidationFailed":
        """The same issues, re-anchored inside an enclosing document (``/party`` → ``/data/party``)."""
        return ValidationFailed([Issue(prefix + issue.pointer, issue.message) for issue in self.issues],
                                self.truncated)


class NotFound(DocgenError):
    status = 404
    type = "not-found"
    title = "未找到"


class Conflict(DocgenError):
    status = 409
    type = "conflict"
    title = "冲突"


class BadRequest(DocgenError):
    status = 400
    type = "bad-request"
    title = "请求有误"


class TemplateError(DocgenError):
    """A released template version is broken (drifted hash, bad DOCX, lint failure)."""

    type = "template-error"
    title = "模板错误"


class RenderFailed(DocgenError):
    type = "render-failed"
    title = "文书生成失败"


class UnprintableImage(DocgenError):
    """A stored picture a document must print cannot be read as one (damaged bytes, too many pixels):
    the request asked for it, so it is the request that is refused, not the server that failed."""

    status = 422
    type = "unprintable-image"
    title = "照片无法打印"


class ConversionFailed(DocgenError):
    """LibreOffice could not convert a document, even after one retry on a fresh process.

    What LibreOffice said (its log, the server's paths) is for the server log
    only (``internal``); the caller learns that conversion failed, not how.
    """

    status = 502
    type = "conversion-failed"
    title = "PDF 转换失败"

    def __init__(self, detail: str = "") -> None:
        super().__init__("LibreOffice 未能把该文书转换为 PDF，什么也没有存储；详情已记入服务日志")
        self.internal = detail
        self.args = (detail or self.detail,)  # str(): the internal account, for logs and tests

    def __str__(self) -> str:
        return self.internal or self.detail


class ConverterBusy(DocgenError):
    """Every converter is busy and the wait queue is full: come back later."""

    status = 503
    type = "converter-busy"
    title = "转换服务繁忙"

    def __init__(self, detail: str = "", retry_after: int = 2) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class VerifierBusy(ConverterBusy):
    """Every verification worker is busy and the queue is full: come back later."""

    type = "verifier-busy"
    title = "验证服务繁忙"


class PayloadTooLarge(DocgenError):
    """A request body or upload over its configured limit; nothing of it was kept."""

    status = 413
    type = "payload-too-large"
    title = "请求体过大"


class UnsupportedMediaType(DocgenError):
    status = 415
    type = "unsupported-media-type"
    title = "不支持的内容类型"


class InsufficientStorage(DocgenError):
    """The disk holding the data directory is (nearly) full: nothing was stored."""

    status = 507
    type = "insufficient-storage"
    title = "存储空间不足"


class StorageUnavailable(DocgenError):
    """The database or the blob store cannot be written (read-only, gone): nothing was stored."""

    status = 503
    type = "storage-unavailable"
    title = "存储不可写"

    retry_after = 30


class IdempotencyKeyReused(DocgenError):
    """The same Idempotency-Key came back with a different request."""

    status = 422
    type = "idempotency-key-reused"
    title = "幂等键已用于另一请求"


class TemplateRetired(DocgenError):
    """A retired version renders the documents issued with it, but issues no new ones."""

    status = 422
    type = "template-retired"
    title = "模板版本已停用"


class KeyStoreError(DocgenError):
    """The key store (master key, root CA, signer keys) is missing, unsafe or unreadable."""

    type = "key-store-error"
    title = "密钥库错误"


class VerificationError(DocgenError):
    """Verification material (a trust bundle, a chain manifest) is malformed.

    A PDF that fails verification is not an error: the verifier reports it.
    This is raised only when the inputs cannot be read at all.
    """

    status = 422
    type = "verification-input-invalid"
    title = "验证材料无效"


class Unauthorized(DocgenError):
    status = 401
    type = "unauthorized"
    title = "未认证"


class Forbidden(DocgenError):
    status = 403
    type = "forbidden"
    title = "无权操作"


def problem_body(exc: DocgenError) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The problem extensions and headers of a docgen error: one conversion for HTTP (``problems.py``)
    and the CLI, here beside the errors so the CLI reports one without importing FastAPI."""
    extensions: dict[str, Any] = {}
    headers = None
    if isinstance(exc, ValidationFailed):
        extensions["errors"] = exc.listed()
        extensions["error_count"] = len(exc.issues)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="docgen"'}
    return extensions, headers
