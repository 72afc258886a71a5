"""JSON text in and out: the one strict parser for request bodies, and JSON-safe strings.

Python's ``json`` accepts what RFC 8259 leaves open or forbids: duplicate keys
(the last wins, silently), ``NaN``/``Infinity``, numbers of any size, nesting
until the interpreter's recursion limit, and ``\\ud800`` escapes that decode to
lone surrogates no UTF-8 encoder can write back. A request body is parsed here,
once, so each of those becomes a 422 naming where it is, and a value that passes
can always be stored, signed, rendered and echoed.

Integral floats (``30.0``) become ints: JSON has one number type, and a
``"type": "integer"`` field written as ``30.0`` must not print "30.0 日" on a
signed instrument.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Iterator

from .errors import Issue, ValidationFailed, VerificationError

#: Deeper than any instrument's payload (the deepest is about 6), far below the recursion limit.
MAX_DEPTH = 64
#: Longest fractional/exponent number literal accepted (digits); integers stop at Python's 4300 digits.
MAX_NUMBER_DIGITS = 40

_SURROGATE = re.compile("[\ud800-\udfff]")
# Valid UTF-8 cannot carry a surrogate, so only a \\uD800–\\uDFFF escape in the text can make one.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def canonical_json(value: Any) -> bytes:
    """One byte form per JSON value: sorted keys, no whitespace, UTF-8, no NaN (the RFC 8785 form
    for the data docgen hashes and signs: strings, integers, booleans, null). Equal payloads hash equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def pointer(path: "tuple[str | int, ...] | list[str | int]") -> str:
    """RFC 6901 JSON pointer of a path of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def pointer_parts(at: str) -> list[str]:
    """The keys and indexes (as text) of RFC 6901 JSON pointer ``at``: ``pointer``'s inverse."""
    return [part.replace("~1", "/").replace("~0", "~") for part in at.split("/")[1:]]


def steps(text: str) -> list[str]:
    """The reference tokens of an RFC 6901 pointer (``/a~1b/0`` → ``["a/b", "0"]``); ``ValueError`` if it
    does not start with ``/`` (the empty pointer is the whole document: no steps)."""
    if text == "":
        return []
    if not text.startswith("/"):
        raise ValueError(f"JSON 指针 {text!r} 应以 / 开头")
    return pointer_parts(text)


def resolve(document: Any, text: str) -> Any:
    """The value a pointer names in ``document``; ``KeyError`` when it names nothing there."""
    node = document
    for step in steps(text):
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            raise KeyError(text)
    return node


class _Refused(ValueError):
    """A number or constant this parser refuses; its message is the Chinese reason."""


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _number(text: str) -> int | float:
    if len(text.lstrip("-").replace(".", "").split("e")[0].split("E")[0]) > MAX_NUMBER_DIGITS:
        raise _Refused(f"数字 {text[:20]}… 位数过多")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"数字 {text[:20]} 超出范围")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _constant(name: str) -> Any:
    raise _Refused(f"{name} 不是有效的 JSON 数值")


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body strictly; ``ValidationFailed`` (422) names what and where."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Issue("", f"请求体不是有效的 UTF-8：第 {exc.start + 1} 个字节")]) from None
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_float=_number, parse_constant=_constant)
    except _Duplicate as exc:
        raise ValidationFailed([Issue("", f"JSON 中字段名 {safe_text(exc.key)} 重复出现")]) from None
    except json.JSONDecodeError as exc:
        raise ValidationFailed([Issue("", f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{_reason(exc.msg)}")]) from None
    except RecursionError:
        raise ValidationFailed([Issue("", f"JSON 嵌套过深（最多 {max_depth} 层）")]) from None
    except _Refused as exc:
        raise ValidationFailed([Issue("", f"不是有效的 JSON：{exc}")]) from None
    except ValueError as exc:  # Python's own: the 4300-digit limit on integers
        reason = "整数位数过多" if "digits" in str(exc) else "数值无效"
        raise ValidationFailed([Issue("", f"不是有效的 JSON：{reason}")]) from None
    issues = list(_hostile(value, (), max_depth, strings=_ESCAPED_SURROGATE.search(text) is not None))
    if issues:
        raise ValidationFailed(issues)
    return value


#: Deeper than any verification material nests (a trust bundle: 5 levels; a manifest: 4).
MATERIAL_DEPTH = 32


def load_material(data: bytes | str, what: str, *, max_depth: int = MATERIAL_DEPTH) -> Any:
    """Verification material (a chain manifest inside a PDF, an uploaded trust bundle), parsed as
    strictly as a request body; what is wrong is a ``VerificationError`` whose detail begins with
    ``what`` (``链条清单``, ``信任包``), never a ``RecursionError`` or an unencodable string."""
    try:
        return loads(data, max_depth=max_depth)
    except ValidationFailed as exc:
        issue = exc.issues[0]
        where = f"（{issue.pointer}）" if issue.pointer else ""
        raise VerificationError(f"{what}{where}{issue.message.removeprefix('JSON ')}") from None


def _reason(msg: str) -> str:
    reasons = {"Expecting value": "缺少值", "Extra data": "JSON 之后还有多余内容",
               "Expecting property name enclosed in double quotes": "字段名应加双引号",
               "Expecting ',' delimiter": "缺少逗号", "Expecting ':' delimiter": "缺少冒号",
               "Unterminated string starting at": "字符串没有结束", "Invalid control character at": "字符串中有控制字符",
               "Invalid \\escape": "无效的转义序列", "Invalid \\uXXXX escape": "无效的 \\u 转义序列"}
    return reasons.get(msg, "语法错误")


def _hostile(value: Any, path: tuple[str | int, ...], max_depth: int, strings: bool = True) -> Iterator[Issue]:
    """Nesting beyond ``max_depth`` and, if ``strings``, lone surrogates in keys or strings; iteratively.

    Only containers are pushed, so a flat object of 200,000 numbers costs one pass of ``isinstance``.
    """
    def bad(text: str) -> bool:
        return strings and _SURROGATE.search(text) is not None

    if isinstance(value, str) and bad(value):
        yield Issue(safe_text(pointer(path)), "含有不成对的 Unicode 代理项（不是有效的文本）")
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)] if isinstance(value, (dict, list)) else []
    while stack:
        node, at = stack.pop()
        if len(at) >= max_depth:
            yield Issue("", f"JSON 嵌套过深（最多 {max_depth} 层）")  # the whole document, as the parser's own
            return
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, item in items:
            if isinstance(key, str) and bad(key):
                yield Issue(safe_text(pointer((*at, key))), "字段名含有不成对的 Unicode 代理项（不是有效的文本）")
            elif isinstance(item, (dict, list)):
                stack.append((item, (*at, key)))
            elif isinstance(item, str) and bad(item):
                yield Issue(safe_text(pointer((*at, key))), "含有不成对的 Unicode 代理项（不是有效的文本）")


def safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced (U+FFFD), so it can be encoded as UTF-8 and echoed."""
    return _SURROGATE.sub("\ufffd", text)


def safe(value: Any) -> Any:
    """A JSON-able value whose every string (keys too) can be encoded as UTF-8."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(str(k)): safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [safe(v) for v in value]
    return value


def integral(value: Any) -> Any:
    """``value`` with every integral float made an int (``30.0`` → ``30``), for payloads not parsed
    here; the very same object when there is none (the common case costs no copy)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        changed = {k: new for k, v in value.items() if (new := integral(v)) is not v}
        return {**value, **changed} if changed else value
    if isinstance(value, list):
        items = [integral(v) for v in value]
        return items if any(new is not old for new, old in zip(items, value)) else value
    return value
